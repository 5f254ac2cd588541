// The client to the worker against workers that misbehave on a real socket.
import { waitFor } from '@string-hashr/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessorClient } from '../src/processor-client.js';
import { startTrickler } from './support.js';

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
      const client = createProcessorClient(trickler.url, { maxConnections: 4, timeoutMs: 300 });
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
});
