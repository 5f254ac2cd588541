/**
 * The figures of one run, and the overload episodes they are measured against. Episodes come
 * from the trace alone (the same for every policy): a run of seconds where the offered load is
 * above what primary serves, runs less than EPISODE_GAP_SECONDS apart counting as one.
 */

export interface PolicyFigures {
  name: string;
  /** Requests served within the capacity of the side they were sent to, over all requests. */
  servedShare: number;
  /** Requests beyond the capacity of the side they were sent to. */
  overloadRequests: number;
  /** Burst worker pod-seconds beyond the autoscaler's minimum (which runs whatever the policy). */
  burstPodSeconds: number;
  /** Burst node-minutes beyond the cluster's minimum. */
  burstNodeMinutes: number;
  weightChanges: number;
  /** Changes back to natural because the burst side failed the health gate. */
  rollbacks: number;
  /** Median and longest time from an episode's start to the first weight on burst (s); null: none. */
  timeToBurstSeconds: number | null;
  timeToBurstMaxSeconds: number | null;
  /** Episodes of load above primary's capacity, and how many of them ended with no weight on burst. */
  overloadEpisodes: number;
  missedEpisodes: number;
  requests: number;
}

export const EPISODE_GAP_SECONDS = 60;

export interface Episode {
  start: number;
  /** First second after the episode. */
  end: number;
}

export function overloadEpisodes(rps: Float64Array, capacity: number, gap = EPISODE_GAP_SECONDS): Episode[] {
  const episodes: Episode[] = [];
  let current: Episode | undefined;
  for (let t = 0; t < rps.length; t++) {
    if ((rps[t] ?? 0) <= capacity) continue;
    if (current && t - current.end < gap) current.end = t + 1;
    else {
      current = { start: t, end: t + 1 };
      episodes.push(current);
    }
  }
  return episodes;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The time-to-burst figures from each episode's delay (undefined: no burst during it). */
export function timeToBurst(
  delays: Array<number | undefined>,
): Pick<PolicyFigures, 'timeToBurstSeconds' | 'timeToBurstMaxSeconds' | 'overloadEpisodes' | 'missedEpisodes'> {
  const reached = delays.filter((d): d is number => d !== undefined);
  return {
    timeToBurstSeconds: median(reached),
    timeToBurstMaxSeconds: reached.length ? Math.max(...reached) : null,
    overloadEpisodes: delays.length,
    missedEpisodes: delays.length - reached.length,
  };
}
