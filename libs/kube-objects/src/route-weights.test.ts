import { describe, expect, it } from 'vitest';
import { checkedRouteWeights } from './route-weights.js';

describe('checkedRouteWeights', () => {
  it.each([
    [100, 0],
    [0, 100],
    [60, 40],
    [1, 99],
  ])('takes primary=%s burst=%s', (primary, burst) => {
    expect(checkedRouteWeights({ primary, burst }, 'vs')).toEqual({ primary, burst });
  });

  it.each([
    ['a word', 'abc', 100, /primary="abc" burst=100/],
    ['a number as text', '100', 0, /primary="100" burst=0/],
    ['a fraction', 50.5, 49.5, /primary=50\.5 burst=49\.5/],
    ['a negative weight', -10, 110, /primary=-10 burst=110/],
    ['over 100', 101, 0, /primary=101 burst=0/],
    ['a sum under 100', 50, 40, /primary=50 burst=40/],
    ['a sum over 100', 60, 60, /primary=60 burst=60/],
    ['both omitted (0/0)', 0, 0, /primary=0 burst=0/],
    ['not a number', NaN, 100, /primary=NaN burst=100/],
    ['null', null, 100, /primary=null burst=100/],
    ['an object', { value: 100 }, 0, /primary=\[object Object\] burst=0/],
  ])('refuses %s, naming the object and what it found', (_, primary, burst, found) => {
    const refuse = () => checkedRouteWeights({ primary, burst }, 'worker-virtual-service');
    expect(refuse).toThrow(found);
    expect(refuse).toThrow(/^worker-virtual-service has weights .*: expected whole numbers 0-100 that sum to 100$/);
  });
});
