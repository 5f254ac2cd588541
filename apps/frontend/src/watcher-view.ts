// What the pages are told about the watcher, from each read of its /status. Pure, table-tested;
// watcher-relay.ts reads and emits.
import type { WatcherStatus } from '@string-hashr/contract';

/** The `watcher` socket event: the status as read and checked, or why there is none. */
export type WatcherView =
  { available: true; status: WatcherStatus } | { available: false; problem: string; since: string };

/** One read of the status: checked, or the problem (no answer, too large, not a status ...). */
export type StatusRead = { ok: true; status: WatcherStatus } | { ok: false; problem: string };

export interface ViewState {
  view: WatcherView;
  /** When the last good answer came (ms). */
  goodAt?: number;
  /** When the last good answer from the leader came (ms). */
  leaderAt?: number;
  /** Since when the reads have failed (ms). */
  failingSince?: number;
}

/** Before the first read. */
export function initialView(now: number): ViewState {
  return { view: { available: false, problem: 'not read yet', since: new Date(now).toISOString() } };
}

/**
 * The view after one read at `now`. A failed read keeps the last good status for `staleMs` (one
 * lost answer does not blink every page) and then says why there is none. With several replicas
 * behind one Service an answer can come from a standby, which knows neither the weights nor the
 * decisions: the leader's last status stays as long as it is fresh (`staleMs`), so the pages do
 * not flicker between the two; a standby is shown only when no leader answers.
 */
export function nextView(state: ViewState, read: StatusRead, now: number, staleMs: number): ViewState {
  const fresh = (at: number | undefined) => at !== undefined && now - at < staleMs;
  if (read.ok) {
    const leader = read.status.leadership.role === 'leader';
    if (!leader && fresh(state.leaderAt)) return { ...state, goodAt: now, failingSince: undefined };
    return {
      view: { available: true, status: read.status },
      goodAt: now,
      leaderAt: leader ? now : state.leaderAt,
      failingSince: undefined,
    };
  }
  const failingSince = state.failingSince ?? now;
  if (fresh(state.goodAt)) return { ...state, failingSince };
  return {
    ...state,
    failingSince,
    view: { available: false, problem: read.problem, since: new Date(failingSince).toISOString() },
  };
}
