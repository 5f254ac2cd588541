// The model checked against the real thing: the `steps` scenario replayed through the local stack
// (real frontend, mesh stand-in, Prometheus scraping every second, the built watcher) with
// `npm run replay`, and through the simulator with the same watcher settings and the real run's
// timing (the phase of Prometheus's scrapes, the watcher's own tick times: its loop drifts). The
// weight changes must be the same, in the same order. How far apart in time the model and the
// stack make each change is reported, not asserted: the burst lab measures the model's timing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_TRAFFIC_METRIC } from '@string-hashr/contract';
import { parseExposition } from '@string-hashr/metric-reading';
import { policySettingsFromEnv, readTimingFromEnv } from '@string-hashr/watcher-settings';
import {
  explainFailure,
  http,
  loggedWeightChanges,
  processEnv,
  startStack,
  waitFor,
  type Stack,
} from '@string-hashr/testing';
import { localDeployment } from '../src/deployment.js';
import { buildScenario } from '../src/scenarios.js';
import { simulate, type WeightChange } from '../src/simulate.js';
import { replay } from './support.js';

const SCENARIO = 'steps';

/**
 * Where in each second (0..1) events fall, relative to `startedAt`: the circular mean, so phases
 * near 0 and near 1 average to 0, not 0.5.
 */
function phaseOf(times: number[], startedAt: number): number {
  const angles = times.map((t) => 2 * Math.PI * ((((t - startedAt) / 1000) % 1) + 1));
  const mean = Math.atan2(
    angles.reduce((a, x) => a + Math.sin(x), 0),
    angles.reduce((a, x) => a + Math.cos(x), 0),
  );
  return (((mean / (2 * Math.PI)) % 1) + 1) % 1;
}

/** The watcher's tick times (a line each with WATCHER_LOG_TICKS), epoch ms. */
function tickTimes(output: string): number[] {
  return [...output.matchAll(/istiowatcher\S* \| (\S+Z) info istiowatcher: (?:tick|weights changed) /g)].map((m) =>
    Date.parse(m[1] ?? ''),
  );
}

/** When Prometheus last scraped the mesh stand-in (its job `mesh`), epoch ms. */
async function lastScrape(prometheusPort: number): Promise<number> {
  const answer = (await (await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/targets`)).json()) as {
    data: { activeTargets: Array<{ lastScrape: string; labels: Record<string, string> }> };
  };
  const mesh = answer.data.activeTargets.find((t) => t.labels.job === 'mesh');
  return Date.parse(mesh?.lastScrape ?? '');
}

/** The watcher's `weights changed` log lines as changes, in seconds since `startedAt`. */
function loggedChanges(output: string, startedAt: number): WeightChange[] {
  return loggedWeightChanges(output)
    .map((c) => ({ at: (c.at - startedAt) / 1000, burst: c.burst }))
    .filter((c) => c.at >= 0);
}

describe('the model against the local stack (real Prometheus, real watcher)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { LOCAL_PROMETHEUS: 'on', WATCHER_LOG_TICKS: 'true' } });
  });

  afterEach(explainFailure(() => stack));

  afterAll(async () => {
    if (stack && stack.child.exitCode === null) await stack.ctrlC();
  });

  it(`${SCENARIO}: the same weight changes in the same order`, async () => {
    const watcherPid = stack.processes().find((pid) => processEnv(pid).WATCHER_ROUTER === 'file');
    expect(watcherPid, 'the watcher process').toBeDefined();
    const watcherEnv = processEnv(watcherPid!);
    expect(watcherEnv.WATCHER_SOURCE).toBe('prometheus');

    const run = await replay('--scenario', SCENARIO, '--url', stack.pageUrl);
    expect(run.code, run.output).toBe(0);
    const startedAt = Date.parse(/started at (\S+Z)/.exec(run.output)?.[1] ?? '');
    expect(Number.isFinite(startedAt), run.output).toBe(true);
    // The last change (back to natural) is logged a few seconds after the trace's last step.
    const backToNatural = () => loggedChanges(stack.output(), startedAt).at(-1)?.burst === 0;
    // The stack's last lines and the watcher's status come with any failure (explainFailure); the
    // replay's own output is added here.
    await waitFor('the watcher to come back to 100/0', backToNatural, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${run.output}`);
    });
    const real = loggedChanges(stack.output(), startedAt);

    // The phase of the real scrapes against the trace's start is a parameter of the model like any
    // other, read from this run; so are the ticks, each where it came (a tick every interval on a
    // grid drifts away from a real loop's by up to a second over these minutes).
    const deployment = localDeployment();
    const ticks = tickTimes(stack.output()).filter((t) => t >= startedAt);
    expect(ticks.length, 'the ticks in the log (WATCHER_LOG_TICKS)').toBeGreaterThan(0);
    const tickSeconds = ticks.map((t) => (t - startedAt) / 1000);
    const scrapedAt = await lastScrape(stack.ports.PROMETHEUS_PORT!);
    expect(Number.isFinite(scrapedAt), 'the mesh target in Prometheus').toBe(true);
    const model = {
      ...deployment.model,
      scrapeOffsetSeconds: phaseOf([scrapedAt], startedAt),
    };
    const trace = buildScenario(SCENARIO, { seed: 1, days: 1 });
    const simulated = simulate(
      trace,
      {
        name: 'local watcher',
        description: 'the settings of the watcher the stack runs',
        settings: policySettingsFromEnv(watcherEnv),
        timing: readTimingFromEnv(watcherEnv),
        reporter: 'source',
      },
      model,
      { tickTimes: tickSeconds },
    ).changes;

    // The model is given the planned traffic: a machine too busy to send it on time shows here (the
    // steps up then come late, the drops on time), not in the model.
    const planned = trace.rps.reduce((sum, rps) => sum + rps, 0);
    const delivered = parseExposition((await http(`http://127.0.0.1:${stack.ports.MESH_PORT}/stats/prometheus`)).body)
      .filter((sample) => sample.name === WORKER_TRAFFIC_METRIC)
      .reduce((sum, sample) => sum + sample.value, 0);
    const ticksApart = real.map((change, i) => {
      const tickOf = (at: number | undefined) =>
        tickSeconds.findIndex((t) => at !== undefined && Math.abs(t - at) < 0.001);
      return tickOf(change.at) - tickOf(simulated[i]?.at);
    });
    const report = `changes made this many ticks after the model's: ${ticksApart.join(', ')}\nrequests through the mesh ${delivered} of ${Math.round(planned)} planned\nreal: ${JSON.stringify(real)}\nmodel: ${JSON.stringify(simulated)}\nscrape phase ${model.scrapeOffsetSeconds.toFixed(3)} s; ${ticks.length} ticks, their phase ${phaseOf(ticks.slice(0, 10), startedAt).toFixed(3)} s at first, ${phaseOf(ticks.slice(-10), startedAt).toFixed(3)} s at last`;
    console.log(report);
    expect(real.length, report).toBeGreaterThanOrEqual(4);
    expect(
      real.map((c) => c.burst),
      report,
    ).toEqual(simulated.map((c) => c.burst));
  }, 300_000);
});
