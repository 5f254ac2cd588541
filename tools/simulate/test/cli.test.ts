// `npm run simulate` and `npm run replay` as a user runs them: the JSON's shape, the chart files,
// and every bad input stopping the program with a message that names what to fix.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, http, repoRoot, startNodeApp, startRedis, waitFor } from '@string-hashr/testing';

function run(
  entry: 'main' | 'replay',
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'tools/simulate/run.mjs'), entry, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const dir = mkdtempSync(path.join(tmpdir(), 'simulate-cli-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('npm run simulate', () => {
  it('--json prints exactly { policies, oracle } with the figures of each', async () => {
    const { code, stdout } = await run('main', ['--scenario', 'steps', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(['policies', 'oracle']);
    const policies = result.policies as Array<Record<string, unknown>>;
    expect(policies.map((p) => p.name)).toEqual(['codelab', 'ours', 'switch', 'no-warm', 'warm-metric']);
    for (const figures of [...policies, result.oracle as Record<string, unknown>])
      for (const key of ['servedShare', 'overloadRequests', 'burstPodSeconds', 'burstNodeMinutes', 'weightChanges'])
        expect(typeof figures[key], `${String(figures.name)}.${key}`).toBe('number');
    expect((result.oracle as { name: string }).name).toBe('oracle');
  });

  it('a watcher variable in the environment adds "yours", read as the watcher reads it', async () => {
    const { code, stdout } = await run('main', ['--trace', file('t.csv', 't,rps\n0,5\n60,30\n600,30\n')], {
      WATCHER_SAMPLES: '1',
      WATCHER_MIN_DWELL_SECONDS: '0',
    });
    expect(code).toBe(0);
    expect(stdout).toContain('yours: the shipped settings with WATCHER_MIN_DWELL_SECONDS=0 WATCHER_SAMPLES=1');
    expect(stdout).toMatch(/\| +\| yours +\|/);
  });

  it('a table by default, one block per scenario, with the oracle beside the policies', async () => {
    const { code, stdout, stderr } = await run('main', ['--scenario', 'steps', '--scenario', 'hover-high']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\| steps \(90 s\) +\| codelab/);
    expect(stdout).toMatch(/\| hover-high \(60 min\) +\| codelab/);
    expect(stdout.match(/\*oracle\*/g)).toHaveLength(2);
    expect(stderr).toMatch(/simulate: 2 trace\(s\) x 5 policies \+ oracle, .* simulated in \d+\.\d s/);
  });

  it('--chart and --png write the chart, the PNG rendered by headless Chromium', async () => {
    const svg = path.join(dir, 'chart.svg');
    const png = path.join(dir, 'chart.png');
    const { code, stderr } = await run('main', ['--scenario', 'steps', '--chart', svg, '--png', png]);
    expect(code, stderr).toBe(0);
    expect(readFileSync(svg, 'utf8')).toContain('steps: ours (gke)');
    const image = readFileSync(png);
    expect(image.subarray(1, 4).toString()).toBe('PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20.
    expect([image.readUInt32BE(16), image.readUInt32BE(20)]).toEqual([1200, 640]);
  });

  it.each<[string, string[], Record<string, string>, RegExp]>([
    [
      'an unsorted trace',
      ['--trace', file('unsorted.csv', 't,rps\n0,1\n5,2\n3,2\n')],
      {},
      /simulate: .*unsorted\.csv line 4: times must increase: t=3 comes after t=5/,
    ],
    ['a negative rate', ['--trace', file('negative.csv', '0,1\n1,-2\n')], {}, /negative\.csv line 2: rps must be >= 0/],
    [
      'a rate that is not a number',
      ['--trace', file('nan.csv', '0,1\n1,x\n')],
      {},
      /nan\.csv line 2: rps must be a number/,
    ],
    ['an empty file', ['--trace', file('empty.csv', '')], {}, /empty\.csv: no data rows/],
    ['a missing file', ['--trace', path.join(dir, 'nowhere.csv')], {}, /cannot read the trace .*nowhere\.csv: ENOENT/],
    ['a bad watcher variable', ['--scenario', 'steps'], { BURST_LOW_RPS: '20' }, /BURST_LOW_RPS is not valid/],
    [
      'a bad model parameter',
      ['--scenario', 'steps', '--pod-start-seconds', '-3'],
      {},
      /--pod-start-seconds is not valid/,
    ],
    ['an unknown scenario', ['--scenario', 'payday'], {}, /--scenario payday is not a built-in scenario/],
    [
      'an unknown policy to chart',
      ['--scenario', 'steps', '--chart', path.join(dir, 'x.svg'), '--chart-policy', 'mine'],
      {},
      /--chart-policy mine is not in this run/,
    ],
  ])('%s stops it with a message naming the problem', async (_name, args, env, message) => {
    const { code, stdout, stderr } = await run('main', args, env);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
  });
});

describe('npm run replay', () => {
  it('against a frontend with RATE_CONTROL=key: refused without the key, saying so; with CONTROL_KEY it sets the rates', async () => {
    const redis = await startRedis();
    const port = await freePort();
    const key = 'a-control-key-of-some-length';
    const frontend = startNodeApp(path.join(repoRoot, 'dist/apps/frontend/main.js'), {
      PORT: String(port),
      REDIS_URL: `127.0.0.1:${redis.port}`,
      PROCESSOR_URL: `http://127.0.0.1:${await freePort()}`,
      RATE_CONTROL: 'key',
      CONTROL_KEY: key,
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor('the frontend', async () => (await http(`${url}/_healthz`)).status === 200, 20_000);
      const trace = file('two.csv', '0,2\n1,3\n');
      const without = await run('replay', [trace, '--url', url]);
      expect(without.code).toBe(1);
      expect(without.stderr).toContain(`runs with RATE_CONTROL=key: give its key in CONTROL_KEY`);
      const wrong = await run('replay', [trace, '--url', url], { CONTROL_KEY: 'not-the-key-at-all-0000' });
      expect(wrong.stderr).toContain('refused the CONTROL_KEY given');
      const withKey = await run('replay', [trace, '--url', url], { CONTROL_KEY: key });
      expect(withKey.code, withKey.stderr).toBe(0);
      expect(withKey.stdout).toMatch(/t=0s 2 req\/s[\s\S]*t=1s 3 req\/s[\s\S]*done after 2 s; rate set to 0/);
      expect(frontend.output()).toMatch(/rate changed from=2 to=3/);
    } finally {
      await frontend.stop();
      await redis.stop();
    }
  });

  it('with no frontend to drive, says where it looked', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, stderr } = await run('replay', ['--scenario', 'steps', '--url', url]);
    expect(code).toBe(1);
    expect(stderr).toContain(`replay: no frontend answered at ${url} within 10 s (is the stack running? npm start)`);
  });

  it.each<[string[], RegExp]>([
    [[], /give a trace file or --scenario NAME/],
    [['a.csv', 'b.csv'], /one trace at a time/],
    [['--scenario', 'steps', '--url', 'localhost'], /--url is not valid: expected http:\/\/host:port/],
    [[file('bad.csv', '0,1\n0,2\n')], /bad\.csv line 2: times must increase/],
  ])('%j is refused', async (args, message) => {
    const { code, stderr } = await run('replay', args);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });
});
