import { CALCULATION_CHANNEL, isResultMessage } from '@string-hashr/contract';
import { watchRedis } from '@string-hashr/redis';
import { type Logger, throttledLog } from '@string-hashr/runtime';
import type { TrafficStats } from '@string-hashr/traffic';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { Server as SocketServer } from 'socket.io';
import { type TrafficMonitor, liveGauge } from './traffic-monitor.js';

export interface ResultRelayOptions {
  io: SocketServer;
  log: Logger;
  /** A Redis connection in subscriber mode; the caller closes it. */
  subscriber: Redis;
  monitor: TrafficMonitor;
  registry: Registry;
  /** Length of a stats window, ms. */
  statsIntervalMs: number;
  /** Stats kept for a page that connects (its chart). */
  historyLength: number;
  /** The subscription is down when Redis leaves a PING unanswered this long (a frozen Redis). */
  redisStallMs: number;
}

export interface ResultRelay {
  /** True while the subscription to `calculation` is live. */
  subscribed(): boolean;
  close(): void;
}

/**
 * What the pages see of the traffic: every result from Redis as a `calculation` event, and once
 * a window the monitor's `stats` (the last ones as `history` to a page that connects). Only
 * messages shaped like a result are relayed: whoever can PUBLISH on the channel could otherwise
 * push anything (5 MB, markup) to every open page.
 */
export function createResultRelay(options: ResultRelayOptions): ResultRelay {
  const { io, log, subscriber, monitor } = options;
  let subscribed = false;
  // Connected is not enough: a frozen Redis keeps the socket open and relays nothing.
  const watch = watchRedis(subscriber, { stallMs: options.redisStallMs, probe: 'ping' });

  const refused = new Counter({
    name: 'frontend_results_refused_total',
    help: 'Messages on the calculation channel not relayed because they are not shaped like a result',
    registers: [options.registry],
  });
  const oddMessages = throttledLog(log, 60_000);
  const onMessage = (channel: string, message: string) => {
    if (channel !== CALCULATION_CHANNEL) return;
    if (!isResultMessage(message)) {
      refused.inc();
      oddMessages.warn('odd', 'not relayed: a message on the channel is not a result', { bytes: message.length });
      return;
    }
    monitor.result(message);
    io.emit('calculation', message);
  };
  subscriber.on('message', onMessage);
  // ioredis queues this until Redis is reachable and re-subscribes after every reconnect.
  subscriber.subscribe(CALCULATION_CHANNEL).then(
    () => {
      subscribed = true;
      log.info('subscribed', { channel: CALCULATION_CHANNEL });
    },
    (err: Error) => log.error('subscribe failed', { channel: CALCULATION_CHANNEL, error: err.message }),
  );

  const history: TrafficStats[] = [];
  const statsTimer = setInterval(() => {
    const stats = monitor.closeWindow();
    history.push(stats);
    if (history.length > options.historyLength) history.shift();
    io.emit('stats', stats);
  }, options.statsIntervalMs);

  io.on('connection', (socket) => socket.emit('history', history));

  const live = () => subscribed && watch.answering();
  liveGauge(
    options.registry,
    'frontend_redis_subscribed',
    '1 while the Redis subscription to calculation is live',
    () => (live() ? 1 : 0),
  );
  return {
    subscribed: live,
    close() {
      clearInterval(statsTimer);
      watch.stop();
      subscriber.off('message', onMessage);
    },
  };
}
