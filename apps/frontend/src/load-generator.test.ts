import { sleep, waitFor } from '@string-hashr/testing';
import { describe, expect, it } from 'vitest';
import { type DropReason, LoadGenerator, type Outcome } from './load-generator.js';

function recorder() {
  const seen = {
    sent: 0,
    dropped: { in_flight_limit: 0, behind_schedule: 0 } as Record<DropReason, number>,
    answered: [] as Array<[Outcome, number | null]>,
  };
  return {
    seen,
    events: {
      sent: () => void seen.sent++,
      dropped: (reason: DropReason, count: number) => void (seen.dropped[reason] += count),
      answered: (outcome: Outcome, latencyMs: number | null) => void seen.answered.push([outcome, latencyMs]),
    },
  };
}

// Real timers with generous bounds: rate accuracy itself is tested on simulated time in libs/traffic.
describe('LoadGenerator', () => {
  it('never holds more than maxInFlight requests and counts the rest as dropped', async () => {
    const { seen, events } = recorder();
    const generator = new LoadGenerator({ send: () => new Promise<number>(() => undefined), maxInFlight: 5, events });
    generator.setRate(200);
    await waitFor('drops', () => seen.dropped.in_flight_limit > 20, 5000);
    expect(generator.inFlight).toBe(5);
    expect(seen.sent).toBe(5);
    generator.stop();
  });

  it('tells answers (with latency), error statuses (with latency) and network errors (without) apart', async () => {
    const { seen, events } = recorder();
    const answers = [200, 503, 'reset'] as const;
    let i = 0;
    const send = () => {
      const answer = answers[i++ % answers.length] ?? 'reset';
      return answer === 'reset' ? Promise.reject(new Error('ECONNRESET')) : Promise.resolve(answer);
    };
    const generator = new LoadGenerator({ send, maxInFlight: 10, events });
    generator.setRate(100);
    await waitFor('some answers', () => seen.answered.length >= 9, 5000);
    generator.stop();
    const [ok = [], error = [], reset] = seen.answered;
    expect(ok[0]).toBe('ok');
    expect(ok[1]).toBeGreaterThanOrEqual(0);
    expect(error[0]).toBe('failed');
    expect(error[1]).toBeGreaterThanOrEqual(0);
    expect(reset).toEqual(['failed', null]);
    expect(generator.inFlight).toBe(0);
  });

  it('sends nothing at rate 0 and nothing after stop', async () => {
    const { seen, events } = recorder();
    const generator = new LoadGenerator({ send: () => Promise.resolve(200), maxInFlight: 10, events });
    generator.setRate(50);
    await waitFor('a send', () => seen.sent > 0, 5000);
    generator.setRate(0);
    const atZero = seen.sent;
    await sleep(200);
    expect(seen.sent).toBe(atZero);
    generator.setRate(50);
    await waitFor('sending again', () => seen.sent > atZero, 5000);
    generator.stop();
    const atStop = seen.sent;
    generator.setRate(100);
    await sleep(200);
    expect(seen.sent).toBe(atStop);
    expect(generator.rate).toBe(0);
  });
});
