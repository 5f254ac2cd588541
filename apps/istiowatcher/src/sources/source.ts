import { request } from 'undici';
import { readError, type HealthReading, type ReadError, type Reading } from '@string-hashr/metric-reading';

/**
 * A metric backend, as Flagger's providers: `read()` gives the worker request rate (with the time
 * of the newest data behind it) or says why not; `readHealth()` gives the burst side's health as of
 * the same moment. The watcher calls `readHealth()` right after `read()`, and only while some
 * weight is on burst.
 */
export interface MetricSource {
  /** What is read, for the logs: the query or the URL. */
  readonly description: string;
  read(): Promise<Reading>;
  readHealth?(): Promise<HealthReading>;
}

/** The largest answer or scrape read: a bigger one is an error, never held in memory (the pod has 192Mi). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * GET with a deadline over undici. The body is read to the end or destroyed, so no connection is
 * left hanging (the codelab watcher's leak), and read in chunks up to `maxBytes`: past that the
 * connection is dropped at once, so a huge answer costs neither memory nor time. HTTP, network,
 * timeout and size failures come back as errors, never as exceptions.
 */
export async function getText(
  url: string,
  timeoutMs: number,
  accept: string,
  maxBytes = MAX_ANSWER_BYTES,
): Promise<{ status: number; text: string } | ReadError> {
  const signal = AbortSignal.timeout(timeoutMs);
  const where = url.split('?')[0];
  const tooLarge = () => readError('too-large', `the answer from ${where} is larger than ${maxBytes} bytes`);
  try {
    const res = await request(url, {
      method: 'GET',
      headers: { accept },
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    if (Number(res.headers['content-length']) > maxBytes) {
      res.body.destroy();
      return tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // Leaving the loop early destroys the body, which drops the connection.
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) return tooLarge();
      chunks.push(chunk);
    }
    return { status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (
      signal.aborted ||
      e.name === 'TimeoutError' ||
      e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
      e.code === 'UND_ERR_BODY_TIMEOUT'
    ) {
      return readError('timeout', `no answer from ${where} within ${timeoutMs} ms`);
    }
    return readError('network', `${where}: ${e.code ?? e.name}: ${e.message}`);
  }
}
