import { WATCHER_EVENT, WATCHER_STATUS_MAX_BYTES, parseWatcherStatus, type StatusCheck } from '@string-hashr/contract';
import { type Logger, fetchJson } from '@string-hashr/runtime';
import { Counter, type Registry } from 'prom-client';
import type { Server as SocketServer } from 'socket.io';
import { liveGauge } from './traffic-monitor.js';
import { type ViewState, type WatcherView, initialView, nextView } from './watcher-view.js';

export interface WatcherRelayOptions {
  io: SocketServer;
  log: Logger;
  registry: Registry;
  /** WATCHER_STATUS_URL: configuration only, never anything a page sent. */
  url: string;
  /** Time between the end of one read and the start of the next. */
  intervalMs: number;
  /** Deadline of one read, connect to the last byte. */
  timeoutMs: number;
  maxBytes?: number;
  /** A status older than this (no good answer since) gives way to "unavailable". */
  staleMs?: number;
  now?: () => number;
}

/** Not being able to read the watcher this soon after start is not logged (it may start later). */
export const START_GRACE_MS = 10_000;

export interface WatcherRelay {
  view(): WatcherView;
  close(): void;
}

/**
 * One GET of the watcher's status (a deadline, no redirect, at most `maxBytes`: `fetchJson`),
 * checked by `parseWatcherStatus`. Never throws: every way a watcher can fail or lie is a problem.
 */
export async function readWatcherStatus(
  url: string,
  options: { timeoutMs: number; maxBytes: number },
): Promise<StatusCheck> {
  const read = await fetchJson(url, { ...options, name: 'the watcher' });
  if (!read.ok) return read;
  const check = parseWatcherStatus(read.json);
  return check.ok ? check : { ok: false, problem: `the watcher's answer is not a status: ${check.problem}` };
}

/**
 * The watcher's status, relayed: read from WATCHER_STATUS_URL every `intervalMs` (one read at a
 * time), and told to every page as the `watcher` event when it changes and to each page when it
 * connects. A watcher that is down, slow or lying makes the view say so; nothing it sends but
 * the checked fields of a status reaches a page. It reports to nobody but the pages.
 */
export function createWatcherRelay(options: WatcherRelayOptions): WatcherRelay {
  const { io, log, url } = options;
  const now = options.now ?? Date.now;
  const maxBytes = options.maxBytes ?? WATCHER_STATUS_MAX_BYTES;
  const staleMs = options.staleMs ?? Math.max(3 * options.intervalMs, options.timeoutMs + options.intervalMs);
  let state: ViewState = initialView(now());
  let told = JSON.stringify(state.view);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let reportedDown = false;
  let everAvailable = false;
  const startedAt = now();

  const reads = new Counter({
    name: 'frontend_watcher_status_reads_total',
    help: "Reads of the watcher's /status (WATCHER_STATUS_URL), by result: ok, or failed (no answer, an HTTP error, too large, not a status)",
    labelNames: ['result'],
    registers: [options.registry],
  });
  for (const result of ['ok', 'failed']) reads.inc({ result }, 0);
  liveGauge(
    options.registry,
    'frontend_watcher_status_available',
    "1 while the pages are shown the watcher's status, 0 while they are told it is unavailable",
    () => (state.view.available ? 1 : 0),
  );

  const poll = async () => {
    const read = await readWatcherStatus(url, { timeoutMs: options.timeoutMs, maxBytes });
    if (closed) return;
    reads.inc({ result: read.ok ? 'ok' : 'failed' });
    state = nextView(state, read, now(), staleMs);
    // A line when it goes away (or cannot be read once the start's grace is over) and when it
    // comes back, not one per read. A watcher started just after the frontend is no news.
    const graceOver = everAvailable || now() - startedAt >= START_GRACE_MS;
    if (state.view.available) everAvailable = true;
    if (!state.view.available && !reportedDown && graceOver) {
      reportedDown = true;
      log.warn("the watcher's status is unavailable; the pages say so", { url, problem: state.view.problem });
    } else if (state.view.available && reportedDown) {
      reportedDown = false;
      log.info("the watcher's status is available again", { url });
    }
    const view = JSON.stringify(state.view);
    if (view !== told) {
      told = view;
      io.emit(WATCHER_EVENT, state.view);
    }
  };
  const loop = () => {
    timer = setTimeout(() => {
      void poll().finally(() => {
        if (!closed) loop();
      });
    }, options.intervalMs);
  };
  void poll().finally(() => {
    if (!closed) loop();
  });
  io.on('connection', (socket) => socket.emit(WATCHER_EVENT, state.view));

  return {
    view: () => state.view,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
