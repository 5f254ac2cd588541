/** The outcome of checking a `frequency` event from a page. */
export type FrequencyCheck = { ok: true; freq: number } | { ok: false; message: string };

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : `a ${typeof value}`;
}

/**
 * A `frequency` payload is `{ freq: number }` with a finite number from 0 (stop) to `maxRate`
 * requests per second. Everything else is rejected with a message meant for the page; numeric
 * strings too, because the page sends numbers and a string means a broken client.
 */
export function validateFrequency(payload: unknown, maxRate: number): FrequencyCheck {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, message: `frequency must be an object { "freq": number }, got ${describe(payload)}` };
  }
  const freq = (payload as { freq?: unknown }).freq;
  if (typeof freq !== 'number' || !Number.isFinite(freq) || freq < 0 || freq > maxRate) {
    return {
      ok: false,
      message: `freq must be a number from 0 to ${maxRate} requests per second, got ${describe(freq)}`,
    };
  }
  return { ok: true, freq: freq === 0 ? 0 : freq };
}
