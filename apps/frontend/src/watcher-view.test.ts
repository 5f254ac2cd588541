import type { WatcherStatus } from '@string-hashr/contract';
import { describe, expect, it } from 'vitest';
import { type StatusRead, type ViewState, initialView, nextView } from './watcher-view.js';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const STALE = 3000;

/** A status as a leader or a standby says it (only the fields the view looks at matter here). */
const status = (role: 'leader' | 'standby', n: number) =>
  ({
    at: new Date(T0 + n).toISOString(),
    leadership: { role, identity: role, token: null },
  }) as unknown as WatcherStatus;
const leader = (n: number): StatusRead => ({ ok: true, status: status('leader', n) });
const standby = (n: number): StatusRead => ({ ok: true, status: status('standby', n) });
const fail = (problem = 'cannot reach the watcher (ECONNREFUSED)'): StatusRead => ({ ok: false, problem });

/** Reads at T0, T0 + 1 s, ...: what the pages are shown after each. */
function shown(reads: StatusRead[]): string[] {
  let state: ViewState = initialView(T0);
  return reads.map((read, i) => {
    state = nextView(state, read, T0 + i * 1000, STALE);
    const { view } = state;
    return view.available
      ? `${view.status.leadership.role}@${Date.parse(view.status.at) - T0}`
      : `down: ${view.problem} since ${Date.parse(view.since) - T0}`;
  });
}

describe('what the pages are shown of the watcher', () => {
  it('before the first read: not read yet', () => {
    expect(initialView(T0).view).toEqual({
      available: false,
      problem: 'not read yet',
      since: new Date(T0).toISOString(),
    });
  });

  it.each([
    ['every answer as it comes', [leader(1), leader(2), leader(3)], ['leader@1', 'leader@2', 'leader@3']],
    [
      'a watcher that never answers: unavailable from the first read, since then',
      [fail(), fail('no answer from the watcher within 2000 ms')],
      [
        'down: cannot reach the watcher (ECONNREFUSED) since 0',
        'down: no answer from the watcher within 2000 ms since 0',
      ],
    ],
    [
      'one lost answer keeps the last status; past the stale time it is unavailable, since the first failure',
      [leader(1), fail(), fail(), fail(), fail(), leader(6)],
      [
        'leader@1',
        'leader@1',
        'leader@1',
        'down: cannot reach the watcher (ECONNREFUSED) since 1000',
        'down: cannot reach the watcher (ECONNREFUSED) since 1000',
        'leader@6',
      ],
    ],
    [
      'a leader and a standby behind one Service: the leader stays shown, no flicker',
      [leader(1), standby(2), leader(3), standby(4), standby(5)],
      ['leader@1', 'leader@1', 'leader@3', 'leader@3', 'leader@3'],
    ],
    [
      'only standbys answer (no leader for the stale time): the standby is shown',
      [leader(1), standby(2), standby(3), standby(4), standby(5)],
      ['leader@1', 'leader@1', 'leader@1', 'standby@4', 'standby@5'],
    ],
    ['a standby alone from the start', [standby(1), standby(2)], ['standby@1', 'standby@2']],
    [
      "a standby answering while the leader fails is an answer: shown once the leader's status is stale",
      [leader(1), fail(), standby(3), standby(4), standby(5)],
      ['leader@1', 'leader@1', 'leader@1', 'standby@4', 'standby@5'],
    ],
  ])('%s', (_name, reads, expected) => {
    expect(shown(reads)).toEqual(expected);
  });
});
