/**
 * Drives a running frontend from a trace, as a page would: over socket.io, one `frequency`
 * `{ freq }` per second, on a drift-free schedule (second i is sent at start + i s). A frontend
 * that goes away is reported and waited for; when it is back, it gets the rate of that second.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import type { Trace } from './trace.js';

/** The frontend cannot be driven (not there, or it refused); the message says why. */
export class DriveError extends Error {
  override name = 'DriveError';
}

export interface DriveOptions {
  url: string;
  /** The frontend's CONTROL_KEY when it runs with RATE_CONTROL=key (sent in the handshake, never in a URL). */
  key?: string;
  log: (line: string) => void;
  /** Seconds to wait for the first connection. */
  connectTimeoutSeconds?: number;
  /** Checked against the frontend's MAX_RATE before the first second is sent. */
  checkMaxRate?: (maxRate: number) => void;
  /** Stops the replay early (Ctrl-C); the rate is still set to 0. */
  signal?: AbortSignal;
}

export interface DriveResult {
  /** Epoch ms of second 0. */
  startedAt: number;
  /** Seconds sent before the end or a stop. */
  sent: number;
  /** Seconds whose rate the frontend did not confirm (it was away or refused). */
  missed: number;
}

interface Control {
  canControl?: boolean;
  keyRejected?: boolean;
}

/** Connects; resolves once the frontend sent its settings and said whether this client may set the rate. */
function connect(
  url: string,
  key: string | undefined,
  timeoutSeconds: number,
): Promise<{ socket: Socket; maxRate: number; control: Control }> {
  const socket = io(url, { transports: ['websocket'], reconnectionDelayMax: 2000, auth: key ? { key } : {} });
  let maxRate: number | undefined;
  let control: Control | undefined;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(
        new DriveError(`no frontend answered at ${url} within ${timeoutSeconds} s (is the stack running? npm start)`),
      );
    }, timeoutSeconds * 1000);
    const settled = () => {
      if (maxRate === undefined || control === undefined) return;
      clearTimeout(timer);
      resolve({ socket, maxRate, control });
    };
    socket.once('settings', (settings: { maxRate?: unknown }) => {
      maxRate = typeof settings?.maxRate === 'number' ? settings.maxRate : Infinity;
      settled();
    });
    socket.once('control', (state: Control) => {
      control = state ?? {};
      settled();
    });
  });
}

const rateText = (rps: number) => String(Number(rps.toFixed(3)));

export async function driveFrontend(trace: Trace, options: DriveOptions): Promise<DriveResult> {
  const { log } = options;
  const { socket, maxRate, control } = await connect(options.url, options.key, options.connectTimeoutSeconds ?? 10);
  let away = false;
  socket.on('disconnect', (reason) => {
    away = true;
    log(`replay: lost the frontend (${reason}); reconnecting, seconds are skipped meanwhile`);
  });
  socket.io.on('reconnect', () => {
    away = false;
    log('replay: the frontend is back');
  });
  try {
    if (control.keyRejected) throw new DriveError(`the frontend at ${options.url} refused the CONTROL_KEY given`);
    if (control.canControl === false)
      throw new DriveError(
        `the frontend at ${options.url} runs with RATE_CONTROL=key: give its key in CONTROL_KEY to set the rate`,
      );
    options.checkMaxRate?.(maxRate);
    /** true: taken; false: no answer in time (counted as missed); a refusal stops the replay. */
    const send = (freq: number): Promise<boolean> =>
      new Promise((resolve, reject) =>
        socket
          .timeout(2000)
          .emit('frequency', { freq }, (err: unknown, answer?: { ok?: boolean; message?: string }) => {
            if (err) {
              log(`replay: no answer from the frontend for ${rateText(freq)} req/s`);
              resolve(false);
            } else if (!answer?.ok)
              reject(
                new DriveError(`the frontend refused ${rateText(freq)} req/s: ${answer?.message ?? 'no reason given'}`),
              );
            else resolve(true);
          }),
      );
    const startedAt = Date.now();
    log(`replay: ${trace.name}, ${trace.rps.length} s, started at ${new Date(startedAt).toISOString()}`);
    let missed = 0;
    let shown = NaN;
    let i = 0;
    for (; i < trace.rps.length && !options.signal?.aborted; i++) {
      const wait = startedAt + i * 1000 - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal?.aborted) break;
      const rps = Number((trace.rps[i] ?? 0).toFixed(3));
      if (away || !(await send(rps))) {
        missed++;
        continue;
      }
      // A line when the rate moves by a request per second or more, and each minute.
      if (!(Math.abs(rps - shown) < 1) || i % 60 === 0) {
        log(`replay: t=${i}s ${rateText(rps)} req/s`);
        shown = rps;
      }
    }
    await send(0);
    const end = options.signal?.aborted ? `stopped at t=${i}s` : `done after ${trace.rps.length} s`;
    log(`replay: ${end}; rate set to 0${missed ? `; ${missed} s not confirmed` : ''}`);
    return { startedAt, sent: i, missed };
  } finally {
    socket.close();
  }
}
