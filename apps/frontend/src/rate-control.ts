import { type Logger, throttledLog } from '@string-hashr/runtime';
import { type BucketLimits, type TokenBucket, fullBucket, takeToken, validateFrequency } from '@string-hashr/traffic';
import { Counter, type Registry } from 'prom-client';
import type { Server as SocketServer, Socket } from 'socket.io';
import { presentsKey } from './access.js';
import type { RateControlMode } from './config.js';
import { LoadGenerator } from './load-generator.js';
import type { TrafficEvents } from './traffic-events.js';

export interface RateControlOptions {
  io: SocketServer;
  log: Logger;
  registry: Registry;
  maxRate: number;
  initialRate: number;
  /** Who may change the rate; with `key`, only pages that connected with `controlKey`. */
  mode: RateControlMode;
  controlKey?: string;
  /** One request to the worker; resolves with the HTTP status. */
  send: () => Promise<number>;
  maxInFlight: number;
  /** Where the generator reports what it does (the traffic monitor). */
  events: TrafficEvents;
  /** Monotonic clock, ms (the per-page limit and the generator's schedule). */
  now?: () => number;
}

export interface RateControl {
  /** The one rate of the whole app, requests per second (0: stopped). */
  readonly rate: number;
  /** Stops the generator for good; requests in flight end on their own. */
  stop(): void;
}

/** How often one page may ask for a rate: 5 at once, then 2 a second. */
export const CHANGE_LIMITS: BucketLimits = { capacity: 5, perSecond: 2 };

/** A page past its limit hears about it once in this long, however many changes it keeps sending. */
export const FLOOD_WARNING_EVERY_MS = 5_000;

export const READ_ONLY_MESSAGE =
  'This page is read-only: changing the rate needs the control key. Open the link deploy.sh printed, or enter the key.';
export const TOO_MANY_MESSAGE = `Too many rate changes: at most ${CHANGE_LIMITS.capacity} at once and ${CHANGE_LIMITS.perSecond} a second. Wait a moment.`;

type ChangeResult = 'applied' | 'unchanged' | 'too_many' | 'read_only' | 'invalid';

/** What a page learns about its rights when it connects. */
export interface ControlState {
  mode: RateControlMode;
  /** This page may change the rate. */
  canControl: boolean;
  /** It presented a key, and not the right one. */
  keyRejected: boolean;
}

/**
 * The one rate of the app: pages ask for it with `frequency`, every page hears the rate in force.
 * It owns the load generator that sends at that rate. Who may ask: every page (`open`), or pages
 * that connected with the control key (`key`, socket.io's handshake `auth.key`: never in a URL,
 * so never in an access log or a Referer). Each page may ask a few times a second; past that it
 * gets one `error` (again after FLOOD_WARNING_EVERY_MS at most), and its excess is dropped: no
 * broadcast to the others, no log line each.
 */
export function createRateControl(options: RateControlOptions): RateControl {
  const { io, log, mode, controlKey } = options;
  const now = options.now ?? (() => performance.now());
  const generator = new LoadGenerator({
    send: options.send,
    maxInFlight: options.maxInFlight,
    maxRate: options.maxRate,
    events: options.events,
    now,
  });
  const changes = new Counter({
    name: 'frontend_rate_changes_total',
    help: 'frequency events from pages, by result: applied, unchanged, too_many (past the per-page limit), read_only (no control key), invalid',
    labelNames: ['result'],
    registers: [options.registry],
  });
  const count = (result: ChangeResult) => changes.labels(result).inc();
  const floods = throttledLog(log, 60_000, now);

  // One rate for everyone: every page hears about each change, and only about a change.
  const setRate = (freq: number, by: string): ChangeResult => {
    const from = generator.rate;
    if (freq === from) return 'unchanged';
    generator.setRate(freq);
    log.info('rate changed', { from, to: freq, by });
    io.emit('frequency', { freq: generator.rate });
    return 'applied';
  };
  setRate(options.initialRate, 'INITIAL_RATE');

  const controlState = (socket: Socket): ControlState => {
    const presented = (socket.handshake.auth as { key?: unknown } | undefined)?.key;
    if (mode === 'open') return { mode, canControl: true, keyRejected: false };
    const canControl = controlKey !== undefined && presentsKey(presented, controlKey);
    return { mode, canControl, keyRejected: presented !== undefined && presented !== null && !canControl };
  };

  io.on('connection', (socket) => {
    const control = controlState(socket);
    socket.emit('control', control);
    socket.emit('frequency', { freq: generator.rate });
    let bucket: TokenBucket = fullBucket(CHANGE_LIMITS, now());
    let warnedAt = -Infinity;
    socket.on('frequency', (payload: unknown, ack?: unknown) => {
      const answer = (reply: object) => {
        if (typeof ack === 'function') ack(reply);
      };
      const refuse = (result: ChangeResult, message: string, tell: boolean) => {
        count(result);
        if (tell) socket.emit('error', { message });
        answer({ ok: false, message });
      };
      const taken = takeToken(bucket, CHANGE_LIMITS, now());
      bucket = taken.bucket;
      if (!taken.ok) {
        // One error and one log line per flood, not one per event.
        const warn = now() - warnedAt >= FLOOD_WARNING_EVERY_MS;
        if (warn) {
          warnedAt = now();
          floods.warn('flood', 'a page sends too many rate changes; refusing the excess', { page: socket.id });
        }
        return refuse('too_many', TOO_MANY_MESSAGE, warn);
      }
      if (!control.canControl) return refuse('read_only', READ_ONLY_MESSAGE, true);
      const check = validateFrequency(payload, options.maxRate);
      if (!check.ok) return refuse('invalid', check.message, true);
      count(setRate(check.freq, `page ${socket.id}`));
      answer({ ok: true, freq: generator.rate });
    });
  });

  return {
    get rate() {
      return generator.rate;
    },
    stop: () => generator.stop(),
  };
}
