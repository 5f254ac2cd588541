import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../src/ports.js';

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('freePort in a vitest worker', () => {
  const pool = Number(process.env.VITEST_POOL_ID);
  const first = 20_000 + (pool - 1) * 1000;
  const inBlock = (port: number) => port >= first && port < first + 1000;
  const after = (port: number) => first + ((port - first + 1) % 1000);

  it("hands out this worker's ports in turn, below the kernel's ephemeral range", async () => {
    expect(pool).toBeGreaterThanOrEqual(1);
    const ports = [await freePort(), await freePort(), await freePort()];
    expect(ports.every(inBlock), String(ports)).toBe(true);
    expect(ports[1]).toBe(after(ports[0]!));
    expect(ports[2]).toBe(after(ports[1]!));
  });

  it('skips a port something holds', async () => {
    const last = await freePort();
    const held = await listen(after(last));
    try {
      expect(await freePort()).toBe(after(after(last)));
    } finally {
      held.close();
    }
  });
});
