// The client to the worker against workers that misbehave on a real socket.
import { waitFor } from '@string-hashr/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { MaxRateOnWireError, createProcessorClient } from '../src/processor-client.js';
import { startSink, startTrickler } from './support.js';

describe('processor client', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it.each(['body', 'headers'] as const)(
    'gives up on a worker trickling its %s faster than any idle timeout, at the total deadline',
    async (phase) => {
      const trickler = await startTrickler(50, phase);
      cleanups.push(trickler.close);
      const client = createProcessorClient(trickler.url, { maxConnections: 4, timeoutMs: 300, maxPerSecond: 1000 });
      cleanups.push(() => client.close(100));
      const outcomes: Array<string> = [];
      for (let i = 0; i < 4; i++)
        client.send().then(
          (status) => outcomes.push(`status ${status}`),
          (err: Error) => outcomes.push(err.message),
        );
      await waitFor('all four requests ended', () => outcomes.length === 4, 10_000);
      expect(outcomes).toEqual(Array(4).fill('no complete answer within 300 ms'));
      // The worker would have gone on for ever: the deadline ended them, and freed their connections.
      await waitFor('the connections closed', () => trickler.openExchanges() === 0);
    },
  );

  it('never writes more than maxPerSecond requests in a second: the rest fail before they are written', async () => {
    const sink = await startSink(200);
    cleanups.push(sink.close);
    let now = 0;
    const client = createProcessorClient(sink.url, {
      maxConnections: 16,
      timeoutMs: 5000,
      maxPerSecond: 3,
      now: () => now,
    });
    cleanups.push(() => client.close(100));
    const first = await Promise.allSettled(Array.from({ length: 10 }, () => client.send()));
    expect(
      first.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value),
    ).toEqual([200, 200, 200]);
    const refused = first
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason as Error);
    expect(refused).toHaveLength(7);
    for (const err of refused) expect(err).toBeInstanceOf(MaxRateOnWireError);
    expect(sink.requests()).toBe(3);
    // A second later (by the clock it is given) three more go out, on the same connections.
    now = 1000;
    const second = await Promise.allSettled(Array.from({ length: 4 }, () => client.send()));
    expect(second.map((r) => r.status).sort()).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect(sink.requests()).toBe(6);
  });
});
