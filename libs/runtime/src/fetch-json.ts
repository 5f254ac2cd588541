/** A JSON answer read within limits, or why there is none (in words for a page or a terminal). */
export type JsonRead = { ok: true; json: unknown } | { ok: false; problem: string };

/**
 * One GET of JSON from a peer that may be down, slow or lying: a total deadline (connect to the
 * last byte), no redirect followed (a 3xx is a failure: the address asked is the only one), at
 * most `maxBytes` read (the rest is not read at all). Never throws. `name` says who answered
 * (`the watcher`).
 */
export async function fetchJson(
  url: string,
  options: { timeoutMs: number; maxBytes: number; name: string },
): Promise<JsonRead> {
  const { name, maxBytes } = options;
  const tooLarge = { ok: false as const, problem: `${name}'s answer is larger than ${maxBytes} bytes` };
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const res = await fetch(url, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
    if (res.status !== 200 || Number(res.headers.get('content-length') ?? NaN) > maxBytes) {
      void res.body?.cancel().catch(() => {});
      return res.status !== 200 ? { ok: false, problem: `${name} answered HTTP ${res.status}` } : tooLarge;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    for (;;) {
      const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
      if (chunk.done) break;
      size += chunk.value.byteLength;
      if (size > maxBytes) {
        await reader?.cancel().catch(() => {});
        return tooLarge;
      }
      chunks.push(chunk.value);
    }
    try {
      return { ok: true, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
    } catch {
      return { ok: false, problem: `${name} answered something that is not JSON` };
    }
  } catch (err) {
    if (signal.aborted) return { ok: false, problem: `no answer from ${name} within ${options.timeoutMs} ms` };
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ok: false, problem: `cannot reach ${name}${cause ? ` (${cause})` : ''}` };
  }
}
