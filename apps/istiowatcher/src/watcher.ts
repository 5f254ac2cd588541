import {
  burstPolicy,
  initialPolicyState,
  type Control,
  type Decision,
  type PolicySettings,
  type PolicyState,
  type Weights,
} from '@string-hashr/policy';
import type { HealthReading, Reading } from '@string-hashr/metric-reading';
import type { Logger } from '@string-hashr/runtime';
import type { Leadership } from './leader.js';
import type { WatcherMetrics } from './metrics.js';
import { decisionLine, healthText, observationOf, readText } from './observe.js';
import { RouterError, type Router } from './routers/router.js';
import type { MetricSource } from './sources/source.js';

export interface WatcherDeps {
  source: MetricSource;
  router: Router;
  policy: PolicySettings;
  leadership: Leadership;
  intervalMs: number;
  log: Logger;
  metrics: WatcherMetrics;
  /** Re-read the weights in force this often (ms), to notice edits made by others; 0: never. */
  resyncMs?: number;
  /** The operator's orders (suspend, pin) as the object says them on this tick. */
  control?: () => Control | undefined;
  now?: () => number;
}

/** What one tick did, for the log, `--once` and tests. */
export interface TickReport {
  /** The reading as text: a rate, `no-data`, `warming-up` or `error(kind)`. */
  read: string;
  reading?: Reading;
  /** The burst side's health, read while some weight is on burst. */
  health?: HealthReading;
  /** The weights in force before the tick decided. */
  weights?: Weights;
  decision?: Decision;
  outcome: 'standby' | 'warming-up' | 'held' | 'changed' | 'router-error' | 'lost-leadership';
}

/**
 * The control loop: read the metric, let the policy decide, call the router. It knows neither how
 * the rate is measured nor how weights are applied. Ticks never overlap; `stop` lets the current
 * one finish. The weights in force are read from the router before the first decision (and again
 * after leadership was lost or the router failed), never assumed.
 */
export function createWatcher(deps: WatcherDeps) {
  const { source, router, leadership, log, metrics } = deps;
  const now = deps.now ?? Date.now;
  const decide = burstPolicy(deps.policy);
  let state: PolicyState | undefined;
  let lastSuccessAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | undefined;
  let stopped = false;
  let syncedAt = 0;
  let lastRouterError = { message: '', at: 0, repeats: 0 };

  function routerFailed(err: unknown, doing: string): void {
    const kind = err instanceof RouterError ? err.kind : 'api';
    metrics.errors.inc({ kind: `router_${kind}` });
    const message = `${doing}: ${(err as Error).message}`;
    // The same failure every second would drown the log: repeat it at most every 30 s.
    if (message !== lastRouterError.message || now() - lastRouterError.at >= 30_000) {
      const repeats = message === lastRouterError.message ? lastRouterError.repeats : 0;
      log.error(message, { router: router.description, ...(repeats ? { repeatedSinceLastLog: repeats } : {}) });
      lastRouterError = { message, at: now(), repeats: 0 };
    } else {
      lastRouterError.repeats++;
    }
    // Read the live object again before the next decision rather than trust what we thought.
    state = undefined;
  }

  function succeeded(): void {
    lastSuccessAt = now();
    metrics.lastSuccess.set(lastSuccessAt / 1000);
  }

  async function tick(): Promise<TickReport> {
    const leading = leadership.isLeader();
    metrics.isLeader.set(leading ? 1 : 0);
    if (!leading) state = undefined;
    const resync = state !== undefined && !!deps.resyncMs && now() - syncedAt >= deps.resyncMs;
    if (leading && (!state || resync)) {
      try {
        const weights = await router.getRoutes();
        syncedAt = now();
        if (!state) {
          state = initialPolicyState(weights);
          log.info('read the weights in force', {
            primary: weights.primary,
            burst: weights.burst,
            router: router.description,
          });
        } else if (weights.primary !== state.weights.primary || weights.burst !== state.weights.burst) {
          log.warn('the weights were changed outside the watcher; taking them as the state', {
            primary: weights.primary,
            burst: weights.burst,
            expected: `${state.weights.primary}/${state.weights.burst}`,
          });
          state = initialPolicyState(weights);
        }
        metrics.setWeights(weights);
      } catch (err) {
        routerFailed(err, 'cannot read the weights in force');
        return { read: 'not read', outcome: 'router-error' };
      }
    }

    const reading = await source.read();
    // The burst side's health gate needs it only while some weight is on burst; standbys do not judge.
    const health = state && state.weights.burst > 0 && source.readHealth ? await source.readHealth() : undefined;
    if (reading.kind === 'value') metrics.observedRps.set(reading.rps);
    else if (reading.kind === 'no-data') metrics.observedRps.set(NaN);
    else if (reading.kind === 'error') metrics.errors.inc({ kind: reading.errorKind });
    if (health?.kind === 'error') metrics.errors.inc({ kind: `health_${health.errorKind}` });
    metrics.setHealth(health);
    const observation = observationOf(reading, health, deps.control?.());
    const read = readText(reading);
    const healthField = health ? { health: healthText(health) } : {};

    if (!state) {
      // A standby: it reads (so its metrics and readiness mean something) but never decides.
      if (reading.kind !== 'error') succeeded();
      return { read, reading, outcome: 'standby' };
    }
    const weights = state.weights;
    if (!observation) {
      log.info('tick', {
        rps: read,
        weights: `${weights.primary}/${weights.burst}`,
        reason: 'source warming up, no decision',
      });
      succeeded();
      return { read, reading, health, weights, outcome: 'warming-up' };
    }

    const decision = decide(state, observation, now());
    metrics.recordDecision(decision, now());
    const fields = {
      rps: read,
      weights: `${decision.weights.primary}/${decision.weights.burst}`,
      reason: decision.reason,
      kind: decision.kind,
      ...healthField,
    };
    const line = decisionLine(decision);
    if (decision.changed) {
      if (!leadership.isLeader()) {
        log.warn('lost leadership before acting; the change is not made', fields);
        state = undefined;
        return { read, reading, health, weights, decision, outcome: 'lost-leadership' };
      }
      try {
        await router.setRoutes(decision.weights, decision.reason);
      } catch (err) {
        routerFailed(err, 'could not change the weights');
        return { read, reading, health, weights, decision, outcome: 'router-error' };
      }
      metrics.transitions.inc({ direction: decision.weights.burst > state.weights.burst ? 'up' : 'down' });
    }
    log[line.level](line.message, fields);
    state = decision.state;
    metrics.setWeights(state.weights);
    metrics.setPhase(decision.phase);
    if (observation.traffic.kind !== 'failure') succeeded();
    return { read, reading, health, weights, decision, outcome: decision.changed ? 'changed' : 'held' };
  }

  async function loop(): Promise<void> {
    if (stopped) return;
    const started = now();
    current = tick().catch((err) => log.error(`tick failed: ${(err as Error).stack ?? err}`));
    await current;
    current = undefined;
    if (!stopped) timer = setTimeout(() => void loop(), Math.max(0, deps.intervalMs - (now() - started)));
  }

  return {
    tick,
    start(): void {
      void loop();
    },
    /** Ready when a tick succeeded within the last three intervals (at least 5 s). */
    isReady(): boolean {
      return lastSuccessAt !== undefined && now() - lastSuccessAt <= Math.max(3 * deps.intervalMs, 5000);
    },
    weights: () => state?.weights,
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

export type Watcher = ReturnType<typeof createWatcher>;
