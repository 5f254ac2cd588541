import { describe, expect, it } from 'vitest';
import { FrontendSchedule, requestsPerSecond } from './frontend.js';

describe("the frontend's sending", () => {
  it.each<[string, number[], number[]]>([
    ['a steady whole rate: that many each second', [5, 5, 5], [5, 5, 5]],
    ['a steady fractional rate keeps its schedule: 2.5 req/s is 3, 2, 3, 2', [2.5, 2.5, 2.5, 2.5], [3, 2, 3, 2]],
    ['a rate that changes every second keeps the spacing: about the rate', [2.5, 2.4, 2.6], [3, 2, 3]],
    ['a change long after the last request: the new rate at once', [1, 10], [1, 10]],
    ['stopped: nothing', [0, 0], [0, 0]],
    ['a step: the new rate from its first second', [3, 3, 30, 30], [3, 3, 30, 30]],
  ])('%s', (_name, rps, expected) => {
    expect(Array.from(requestsPerSecond(Float64Array.from(rps)))).toEqual(expected);
  });

  it('as a continuous flow instead: the rate itself', () => {
    expect(Array.from(requestsPerSecond(Float64Array.from([2.5, 2.4, 0]), false))).toEqual([2.5, 2.4, 0]);
  });

  it('requests within a second fall on the schedule: at 4 req/s, at 0, 0.25, 0.5, 0.75', () => {
    const schedule = new FrontendSchedule();
    schedule.setRate(10, 4);
    expect([schedule.sent(10, 10.2), schedule.sent(10.2, 10.5), schedule.sent(10.5, 11)]).toEqual([1, 1, 2]);
  });
});
