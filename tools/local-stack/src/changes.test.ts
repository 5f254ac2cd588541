import type { StatusChange, WatcherStatus } from '@string-hashr/contract';
import { describe, expect, it } from 'vitest';
import { changeKey, changeLine, unprinted } from './changes.js';

const T0 = Date.parse('2025-03-01T12:03:04.000Z');
const utc = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const change = (s: number, from: [number, number] | null, to: [number, number], extra: Partial<StatusChange> = {}) =>
  ({
    at: new Date(T0 + s * 1000).toISOString(),
    from: from && { primary: from[0], burst: from[1] },
    to: { primary: to[0], burst: to[1] },
    reason: '30.00 req/s above high threshold 15',
    kind: 'change',
    by: 'watcher',
    ...extra,
  }) as StatusChange;
const status = (changes: StatusChange[]) => ({ changes }) as unknown as WatcherStatus;

describe('the change lines of npm start', () => {
  it.each([
    [
      'a change of the watcher',
      change(0, [100, 0], [0, 100]),
      '12:03:04  weights 100/0 -> 0/100: 30.00 req/s above high threshold 15',
    ],
    [
      'a rollback',
      change(5, [0, 100], [100, 0], { kind: 'rollback', reason: 'burst side failing 2/2: success rate 0.400 < 0.95' }),
      '12:03:09  weights 0/100 -> 100/0: burst side failing 2/2: success rate 0.400 < 0.95',
    ],
    [
      'an edit by hand',
      change(7, [100, 0], [50, 50], { by: 'outside', kind: 'outside-edit', reason: 'changed outside the watcher' }),
      '12:03:11  weights 100/0 -> 50/50 (by hand): changed outside the watcher',
    ],
    [
      'the record read back at start',
      change(9, null, [0, 100], { by: 'record', kind: 'recorded' }),
      '12:03:13  weights ? -> 0/100: 30.00 req/s above high threshold 15',
    ],
  ])('%s', (_name, c, line) => {
    expect(changeLine(c, utc)).toBe(line);
  });

  it('prints each change once, oldest first, only those since the stack started', () => {
    const up = change(0, [100, 0], [0, 100]);
    const down = change(20, [0, 100], [100, 0]);
    const before = change(-60, [0, 100], [100, 0]);
    const printed = new Set<string>();
    const first = unprinted(status([up, before]), printed, T0 - 1000);
    expect(first).toEqual([up]);
    first.forEach((c) => printed.add(changeKey(c)));
    // Newest first on the wire: the next read has both; only the new one is printed.
    expect(unprinted(status([down, up, before]), printed, T0 - 1000)).toEqual([down]);
    // After a restart the watcher reads its last change back (no from): the same change, not printed again.
    printed.add(changeKey(down));
    expect(unprinted(status([change(20, null, [100, 0], { by: 'record', kind: 'recorded' })]), printed, T0)).toEqual(
      [],
    );
  });
});
