// The two weights as a route object states them, checked before anyone acts on them: whatever the
// kind of route, the watcher takes only whole percentages from 0 to 100 that sum to 100.
import type { Weights } from '@string-hashr/policy';

const percent = (w: unknown): w is number => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 100;

/** The weights found on `name` (raw, as parsed); throws saying what was found and what is expected. */
export function checkedRouteWeights(found: { primary: unknown; burst: unknown }, name: string): Weights {
  const { primary, burst } = found;
  if (percent(primary) && percent(burst) && primary + burst === 100) return { primary, burst };
  const show = (w: unknown) => (typeof w === 'string' ? JSON.stringify(w) : String(w));
  throw new Error(
    `${name} has weights primary=${show(primary)} burst=${show(burst)}: expected whole numbers 0-100 that sum to 100`,
  );
}
