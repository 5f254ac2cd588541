// The one rate and who may change it, on a clock the test moves: pages are stand-in sockets, the
// generator runs on fake timers and sends to a recorder.
import { EventEmitter } from 'node:events';
import type { Logger } from '@string-hashr/runtime';
import { Registry } from 'prom-client';
import type { Server as SocketServer } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANGE_LIMITS, FLOOD_WARNING_EVERY_MS, TOO_MANY_MESSAGE, createRateControl } from './rate-control.js';
import type { TrafficEvents } from './traffic-events.js';

/** A page as the rate control sees it: what it is told, and a way to send `frequency`. */
class StandInPage extends EventEmitter {
  readonly told: Array<[string, unknown]> = [];
  readonly handshake = { auth: {} };
  constructor(readonly id: string) {
    super();
  }
  override emit(event: string, ...args: unknown[]): boolean {
    this.told.push([event, args[0]]);
    return true;
  }
  ask(freq: number): unknown {
    let answer: unknown;
    for (const listener of this.listeners('frequency')) listener({ freq }, (reply: unknown) => (answer = reply));
    return answer;
  }
  errors(): unknown[] {
    return this.told.filter(([event]) => event === 'error').map(([, message]) => message);
  }
}

function harness(maxRate: number) {
  const io = new EventEmitter();
  const broadcasts: number[] = [];
  const lines: string[] = [];
  const sentAt: number[] = [];
  const log: Logger = {
    info: (message) => void lines.push(`info ${message}`),
    warn: (message) => void lines.push(`warn ${message}`),
    error: (message) => void lines.push(`error ${message}`),
  };
  const events: TrafficEvents = { rateChanged: () => {}, sent: () => {}, dropped: () => {}, answered: () => {} };
  const fakeIo = {
    on: (event: string, listener: (page: StandInPage) => void) => io.on(event, listener),
    emit: (event: string, payload: { freq: number }) => {
      if (event === 'frequency') broadcasts.push(payload.freq);
      return true;
    },
  };
  const registry = new Registry();
  const control = createRateControl({
    io: fakeIo as unknown as SocketServer,
    log,
    registry,
    maxRate,
    initialRate: 0,
    mode: 'open',
    send: () => {
      sentAt.push(Date.now());
      return Promise.resolve(200);
    },
    maxInFlight: 100,
    events,
    now: () => Date.now(),
  });
  let pages = 0;
  const connect = () => {
    const page = new StandInPage(`page-${++pages}`);
    io.emit('connection', page);
    return page;
  };
  const changes = async (result: string) =>
    (await registry.getSingleMetric('frontend_rate_changes_total')?.get())?.values.find(
      (v) => v.labels.result === result,
    )?.value ?? 0;
  return { control, connect, broadcasts, lines, sentAt, changes };
}

/** The most of `times` in any window [t, t + 1000). */
const busiestSecond = (times: number[]) =>
  Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));

describe('the rate control', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a flood from one page: a few changes at once, then two a second; one error per warning period, one log line', async () => {
    const { control, connect, broadcasts, lines, changes } = harness(10);
    const flooder = connect();
    for (let i = 0; i < 10_000; i++) flooder.ask(i % 2 === 0 ? 10 : 5);
    expect(await changes('applied')).toBe(CHANGE_LIMITS.capacity);
    expect(await changes('too_many')).toBe(10_000 - CHANGE_LIMITS.capacity);
    expect(flooder.errors()).toEqual([{ message: TOO_MANY_MESSAGE }]);
    expect(lines.filter((l) => l.includes('rate changed'))).toHaveLength(CHANGE_LIMITS.capacity);
    expect(broadcasts).toHaveLength(CHANGE_LIMITS.capacity);

    // A second later two more are taken; the rest of the flood is still refused, without a new error.
    await vi.advanceTimersByTimeAsync(1000);
    for (let i = 0; i < 100; i++) flooder.ask(i % 2 === 0 ? 5 : 10);
    expect(await changes('applied')).toBe(CHANGE_LIMITS.capacity + CHANGE_LIMITS.perSecond);
    expect(flooder.errors()).toHaveLength(1);
    // After the warning period the page is told again; the log says it once a minute.
    await vi.advanceTimersByTimeAsync(FLOOD_WARNING_EVERY_MS);
    for (let i = 0; i < 100; i++) flooder.ask(i % 2 === 0 ? 10 : 5);
    expect(flooder.errors()).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(1);
    // Another page is not held back by the flooder's limit.
    expect(connect().ask(3)).toEqual({ ok: true, freq: 3 });
    expect(control.rate).toBe(3);
    control.stop();
  });

  it('a flood of rate changes from 20 pages never sends more than MAX_RATE requests in any second', async () => {
    const { control, connect, sentAt } = harness(10);
    const pages = Array.from({ length: 20 }, connect);
    pages[0]?.ask(10);
    await vi.advanceTimersByTimeAsync(1000);
    // 10,000 changes between 10 and 9 req/s, in 50 bursts over a second.
    for (let burst = 0; burst < 50; burst++) {
      for (const page of pages) for (let i = 0; i < 10; i++) page.ask((burst + i) % 2 === 0 ? 10 : 9);
      await vi.advanceTimersByTimeAsync(20);
    }
    const afterFlood = sentAt.length;
    await vi.advanceTimersByTimeAsync(3000);
    control.stop();
    expect(busiestSecond(sentAt)).toBeLessThanOrEqual(10);
    // Requests go on at the rate after the flood.
    expect(sentAt.length - afterFlood).toBeGreaterThanOrEqual(27);
  });
});
