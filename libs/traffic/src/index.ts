export {
  startSchedule,
  changeRate,
  dueCount,
  msUntilNextSend,
  tick,
  type RateSchedule,
  type Tick,
  type TickOptions,
} from './scheduler.js';
export { rateRule, validateFrequency, type FrequencyCheck } from './frequency.js';
export { RateCap } from './rate-cap.js';
export { fullBucket, takeToken, type TokenBucket, type BucketLimits } from './token-bucket.js';
export {
  MAX_LATENCY_SAMPLES,
  emptyCounters,
  openWindow,
  resultOrigin,
  RESULT_ORIGINS,
  recordLatency,
  percentile,
  burstShare,
  addCounters,
  summarizeWindow,
  type ResultOrigin,
  type TrafficCounters,
  type StatsWindow,
  type TrafficStats,
} from './stats.js';
