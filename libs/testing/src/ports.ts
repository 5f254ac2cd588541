import { createServer } from 'node:net';

/**
 * Ports for test servers. Inside a vitest worker, each worker hands out ports in turn from its own
 * block below the kernel's ephemeral range (32768-60999 on Linux): two files running at once can
 * never be given the same port, and nothing the kernel picks (a server on port 0, the local end of
 * an outgoing connection) can take one between the pick and the bind, which can be seconds for a
 * whole stack. Elsewhere (a script), the kernel picks.
 */
const BLOCK_SIZE = 1000;
const FIRST_BLOCK = 20_000;
const MAX_BLOCKS = 12;
let nextInBlock = Math.floor(Math.random() * BLOCK_SIZE);

/** A TCP port on 127.0.0.1 that was free a moment ago and that no other test file is given. */
export async function freePort(): Promise<number> {
  const pool = Number(process.env.VITEST_POOL_ID);
  if (!Number.isInteger(pool) || pool < 1 || pool > MAX_BLOCKS) return bindPort(0);
  const first = FIRST_BLOCK + (pool - 1) * BLOCK_SIZE;
  for (let tried = 0; tried < BLOCK_SIZE; tried++) {
    const port = first + (nextInBlock++ % BLOCK_SIZE);
    // Something else on the machine may hold it (a service, a server a test has not stopped).
    const free = await bindPort(port).catch(() => undefined);
    if (free !== undefined) return free;
  }
  throw new Error(`no free port in ${first}-${first + BLOCK_SIZE - 1}: stop what holds them and run the tests again`);
}

/** Binds `port` (0: any) on 127.0.0.1, lets it go, and says which port it was. */
function bindPort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a truthy value (returned) or `timeoutMs` passes (throws `what`).
 * Every `everyMs` when given; otherwise every 50 ms at first, each gap half again as long up to
 * 250 ms: most conditions come within a few polls, and a minute's wait (a burst, a scrape) does
 * not cost the machine a request every 50 ms while the other test files need the CPU.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  everyMs?: number,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let gapMs = everyMs ?? 50;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
      );
    }
    await sleep(gapMs);
    if (everyMs === undefined) gapMs = Math.min(250, gapMs * 1.5);
  }
}

/** GET/POST on loopback with fetch; resolves to status and body text, never throws on HTTP errors. */
export async function http(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  const res = await fetch(url, init);
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => (headers[name] = value));
  return { status: res.status, body: await res.text(), headers };
}
