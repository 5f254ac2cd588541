/**
 * Built-in traffic scenarios, seeded so a run is reproducible: the same name, seed and length give
 * the same trace on any machine. Rates are in requests per second around the shipped thresholds
 * (burst above 15, back below 10; primary serves 15).
 */
import type { Trace } from './trace.js';

/** mulberry32: a small, fast, well-mixed 32-bit generator; enough for traffic noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller) from a uniform generator. */
function gaussian(random: () => number): () => number {
  return () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

/**
 * Noise as real traffic has it: a slow multiplicative wander (AR(1), about `wander` of the rate,
 * correlated over a minute or so) and second-to-second jitter about sqrt(rate) (Poisson-like).
 */
function noisy(mean: (t: number) => number, seconds: number, seed: number, wander = 0.08): Float64Array {
  const normal = gaussian(seededRandom(seed));
  const rps = new Float64Array(seconds);
  const keep = Math.exp(-1 / 60);
  const drive = wander * Math.sqrt(1 - keep * keep);
  let drift = 0;
  for (let t = 0; t < seconds; t++) {
    drift = keep * drift + drive * normal();
    const m = mean(t) * (1 + drift);
    rps[t] = Math.max(0, m + Math.sqrt(Math.max(m, 0)) * 0.5 * normal());
  }
  return rps;
}

export interface ScenarioOptions {
  seed: number;
  /** Length of the daily scenario in days. */
  days: number;
}

export interface Scenario {
  name: string;
  description: string;
  build(options: ScenarioOptions): Float64Array;
}

const MINUTE = 60;
const HOUR = 3600;

/** Daily shape: quiet night (4 req/s), a day peaking at 28 req/s around 14:00. */
function dailyMean(t: number): number {
  const hour = (t / HOUR) % 24;
  const day = hour > 6 && hour < 22 ? Math.sin((Math.PI * (hour - 6)) / 16) : 0;
  return 4 + 24 * day ** 1.5;
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'daily',
    description: 'a daily cycle with noise: 4 req/s at night, about 28 at the 14:00 peak (--days, default 1)',
    build: ({ seed, days }) => noisy(dailyMean, Math.round(days * 24 * HOUR), seed),
  },
  {
    name: 'flash-crowd',
    description: '5 req/s, then x10 within a minute (50 req/s) for 20 minutes, then an hour-long decay; 2 h',
    build: ({ seed }) =>
      noisy(
        (t) => {
          const start = 20 * MINUTE;
          if (t < start) return 5;
          if (t < start + MINUTE) return 5 + 45 * ((t - start) / MINUTE);
          if (t < start + 21 * MINUTE) return 50;
          return 5 + 45 * Math.exp(-(t - start - 21 * MINUTE) / (15 * MINUTE));
        },
        2 * HOUR,
        seed,
      ),
  },
  {
    name: 'slow-ramp',
    description: '5 -> 40 req/s over 2 h, 30 min at 40, back to 5 over 1 h; 3.5 h',
    build: ({ seed }) =>
      noisy(
        (t) => {
          if (t < 2 * HOUR) return 5 + 35 * (t / (2 * HOUR));
          if (t < 2.5 * HOUR) return 40;
          return 40 - 35 * Math.min(1, (t - 2.5 * HOUR) / HOUR);
        },
        3.5 * HOUR,
        seed,
      ),
  },
  {
    name: 'hover-high',
    description: 'an hour hovering around the high threshold: 15 +- 2 req/s, slow swings and jitter',
    build: ({ seed }) => noisy((t) => 15 + 1.5 * Math.sin((2 * Math.PI * t) / (7 * MINUTE)), HOUR, seed, 0.05),
  },
  {
    name: 'steady-above',
    description: 'an hour of steady load above the high threshold: 25 req/s with a little noise',
    build: ({ seed }) => noisy(() => 25, HOUR, seed, 0.03),
  },
  {
    name: 'steps',
    description: '90 s of load steps, no noise: 5, 30, 5, 25, 3 req/s (the model is checked against the stack on it)',
    build: () => {
      const levels: Array<[number, number]> = [
        [5, 10],
        [30, 20],
        [5, 20],
        [25, 20],
        [3, 20],
      ];
      const rps = new Float64Array(levels.reduce((n, [, s]) => n + s, 0));
      let t = 0;
      for (const [rate, seconds] of levels) rps.fill(rate, t, (t += seconds));
      return rps;
    },
  },
];

export function scenarioNames(): string[] {
  return SCENARIOS.map((s) => s.name);
}

export function buildScenario(name: string, options: ScenarioOptions): Trace {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`unknown scenario "${name}": expected one of ${scenarioNames().join(', ')}`);
  return { name, rps: scenario.build(options) };
}
