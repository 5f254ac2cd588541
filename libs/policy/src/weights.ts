/** The share of worker traffic each subset gets, in whole percent; they sum to 100. */
export interface Weights {
  primary: number;
  burst: number;
}

/** Everything on primary: the codelab's natural.yaml. */
export const NATURAL: Weights = { primary: 100, burst: 0 };
/** Everything on burst: the codelab's burst.yaml. */
export const ALL_BURST: Weights = { primary: 0, burst: 100 };

export function weightsEqual(a: Weights, b: Weights): boolean {
  return a.primary === b.primary && a.burst === b.burst;
}

/** `primary/burst`, as the logs and reasons write weights. */
export function weightsText(w: Weights): string {
  return `${w.primary}/${w.burst}`;
}

/** Weights are whole percentages that sum to 100 (so never both 0). */
export function checkWeights(weights: Weights): void {
  const { primary, burst } = weights;
  if (![primary, burst].every((w) => Number.isInteger(w) && w >= 0 && w <= 100) || primary + burst !== 100) {
    throw new Error(`invalid weights primary=${primary} burst=${burst}: expected integers 0-100 that sum to 100`);
  }
}
