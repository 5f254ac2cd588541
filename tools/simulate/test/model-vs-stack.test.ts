// The model checked against the real thing: the `steps` scenario replayed through the local stack
// (real frontend, mesh stand-in, Prometheus scraping every second, the built watcher) with
// `npm run replay`, and through the simulator with the same watcher settings. The weight changes
// must come in the same order, each within two scrape intervals of the other.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policySettingsFromEnv, readTimingFromEnv } from '@string-hashr/watcher-settings';
import { processEnv, repoRoot, startStack, waitFor, type Stack } from '@string-hashr/testing';
import { localDeployment } from '../src/deployment.js';
import { buildScenario } from '../src/scenarios.js';
import { simulate, type WeightChange } from '../src/simulate.js';

const SCENARIO = 'steps';

/** `npm run replay` as a user runs it; resolves with its output once it exits. */
function replay(url: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'tools/simulate/run.mjs'), 'replay', '--scenario', SCENARIO, '--url', url],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** The watcher's `weights changed` log lines as changes, in seconds since `startedAt`. */
function loggedChanges(output: string, startedAt: number): WeightChange[] {
  const changes: WeightChange[] = [];
  for (const match of output.matchAll(
    /istiowatcher\S* \| (\S+Z) info istiowatcher: weights changed .*?weights=(\d+)\/(\d+)/g,
  ))
    changes.push({ at: (Date.parse(match[1] ?? '') - startedAt) / 1000, burst: Number(match[3]) });
  return changes.filter((c) => c.at >= 0);
}

describe('the model against the local stack (real Prometheus, real watcher)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { LOCAL_PROMETHEUS: 'on' } });
  }, 120_000);

  afterAll(async () => {
    if (stack && stack.child.exitCode === null) await stack.ctrlC();
  });

  it(`${SCENARIO}: the same weight changes in the same order, each within two scrape intervals`, async () => {
    const watcherPid = stack.processes().find((pid) => processEnv(pid).WATCHER_ROUTER === 'file');
    expect(watcherPid, 'the watcher process').toBeDefined();
    const watcherEnv = processEnv(watcherPid!);
    expect(watcherEnv.WATCHER_SOURCE).toBe('prometheus');

    const run = await replay(stack.pageUrl);
    expect(run.code, run.output).toBe(0);
    const startedAt = Date.parse(/started at (\S+Z)/.exec(run.output)?.[1] ?? '');
    expect(Number.isFinite(startedAt), run.output).toBe(true);
    // The last change (back to natural) is logged a few seconds after the trace's last step.
    await waitFor('the watcher to come back to 100/0', () => /weights=100\/0 /.test(lastChangeLine(stack)), 30_000);
    const real = loggedChanges(stack.output(), startedAt);

    const deployment = localDeployment();
    const simulated = simulate(
      buildScenario(SCENARIO, { seed: 1, days: 1 }),
      {
        name: 'local watcher',
        description: 'the settings of the watcher the stack runs',
        settings: policySettingsFromEnv(watcherEnv),
        timing: readTimingFromEnv(watcherEnv),
        reporter: 'source',
      },
      deployment.model,
    ).changes;

    const report = `real: ${JSON.stringify(real)}\nmodel: ${JSON.stringify(simulated)}`;
    console.log(report);
    expect(real.length, report).toBeGreaterThanOrEqual(4);
    expect(
      real.map((c) => c.burst),
      report,
    ).toEqual(simulated.map((c) => c.burst));
    const tolerance = 2 * deployment.model.scrapeIntervalSeconds;
    real.forEach((change, i) =>
      expect(Math.abs(change.at - (simulated[i]?.at ?? Infinity)), report).toBeLessThanOrEqual(tolerance),
    );
  }, 300_000);
});

function lastChangeLine(stack: Stack): string {
  const lines = stack
    .output()
    .split('\n')
    .filter((l) => l.includes('weights changed'));
  return lines[lines.length - 1] ?? '';
}
