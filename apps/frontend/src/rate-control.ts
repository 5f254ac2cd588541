import type { Logger } from '@string-hashr/runtime';
import { validateFrequency } from '@string-hashr/traffic';
import type { Server as SocketServer } from 'socket.io';
import { LoadGenerator } from './load-generator.js';
import type { TrafficEvents } from './traffic-events.js';

export interface RateControlOptions {
  io: SocketServer;
  log: Logger;
  maxRate: number;
  initialRate: number;
  /** One request to the worker; resolves with the HTTP status. */
  send: () => Promise<number>;
  maxInFlight: number;
  /** Where the generator reports what it does (the traffic monitor). */
  events: TrafficEvents;
}

export interface RateControl {
  /** The one rate of the whole app, requests per second (0: stopped). */
  readonly rate: number;
  /** Stops the generator for good; requests in flight end on their own. */
  stop(): void;
}

/**
 * The one rate of the app: pages ask for it with `frequency`, every page hears the rate in force.
 * It owns the load generator that sends at that rate.
 */
export function createRateControl(options: RateControlOptions): RateControl {
  const { io, log } = options;
  const generator = new LoadGenerator({
    send: options.send,
    maxInFlight: options.maxInFlight,
    maxRate: options.maxRate,
    events: options.events,
  });

  // One rate for everyone: every page hears about each change.
  const setRate = (freq: number, by: string) => {
    const from = generator.rate;
    generator.setRate(freq);
    if (freq !== from) log.info('rate changed', { from, to: freq, by });
    io.emit('frequency', { freq: generator.rate });
  };
  setRate(options.initialRate, 'INITIAL_RATE');

  io.on('connection', (socket) => {
    socket.emit('frequency', { freq: generator.rate });
    socket.on('frequency', (payload: unknown, ack?: unknown) => {
      const check = validateFrequency(payload, options.maxRate);
      if (check.ok) setRate(check.freq, `page ${socket.id}`);
      else socket.emit('error', { message: check.message });
      if (typeof ack === 'function') ack(check.ok ? { ok: true, freq: generator.rate } : check);
    });
  });

  return {
    get rate() {
      return generator.rate;
    },
    stop: () => generator.stop(),
  };
}
