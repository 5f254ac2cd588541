// The weight changes `npm start` prints under its status block, one line each, from the
// watcher's GET /status. Pure, table-tested; main.ts polls and prints.
import type { StatusChange, StatusWeights, WatcherStatus } from '@string-hashr/contract';

const weights = (w: StatusWeights | null) => (w ? `${w.primary}/${w.burst}` : '?');
const two = (n: number) => String(n).padStart(2, '0');

/** `12:03:04` in the machine's time zone, as the terminal's reader reads a clock. */
export function localClock(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `12:03:04  weights 100/0 -> 0/100: 30.00 req/s above high threshold 15` */
export function changeLine(change: StatusChange, clock: (ms: number) => string = localClock): string {
  const by = change.by === 'outside' ? ' (by hand)' : '';
  return `${clock(Date.parse(change.at))}  weights ${weights(change.from)} -> ${weights(change.to)}${by}: ${change.reason}`;
}

/** What tells one change from another across reads (and across a restart of the watcher, which reads its last one back). */
export function changeKey(change: StatusChange): string {
  return `${Date.parse(change.at)} ${weights(change.to)}`;
}

/** The changes of `status` not printed yet and made since `since` (ms), oldest first. */
export function unprinted(status: WatcherStatus, printed: ReadonlySet<string>, since: number): StatusChange[] {
  return status.changes.filter((c) => Date.parse(c.at) >= since && !printed.has(changeKey(c))).reverse();
}
