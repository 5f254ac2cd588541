/** The outcome of checking a `frequency` event from a page. */
export type FrequencyCheck = { ok: true; freq: number } | { ok: false; message: string };

/**
 * The one wording of a bad rate, in the words of the page ("requests per second", never the
 * protocol's field names). The server answers every refused rate with it, and sends it to the
 * page (`settings.rateRule`), which says the same when it refuses a value itself.
 */
export function rateRule(maxRate: number): string {
  return `Enter a rate from 0 to ${maxRate} requests per second.`;
}

/**
 * A `frequency` payload is `{ freq: number }` with a finite number from 0 (stop) to `maxRate`
 * requests per second. Everything else is refused with `rateRule`: numeric strings too, because
 * the page sends numbers and a string means a broken client.
 */
export function validateFrequency(payload: unknown, maxRate: number): FrequencyCheck {
  const freq =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as { freq?: unknown }).freq
      : undefined;
  if (typeof freq !== 'number' || !Number.isFinite(freq) || freq < 0 || freq > maxRate)
    return { ok: false, message: rateRule(maxRate) };
  return { ok: true, freq: freq === 0 ? 0 : freq };
}
