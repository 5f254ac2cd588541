/** The simulator's command line, parsed without side effects (main.ts acts on it). */
import { MODEL_KEYS, SettingError, flagOf } from './model.js';
import { SCENARIOS } from './scenarios.js';

export interface SimulateOptions {
  scenarios: string[];
  traces: string[];
  /** Seeds of the scenarios' noise: each scenario runs once per seed. */
  seeds: number[];
  /** One row per policy over all the runs instead of a row per run. */
  summary: boolean;
  days: number;
  deployment: string;
  json: boolean;
  chart?: string;
  png?: string;
  chartPolicy: string;
  /** Write the (one) trace as CSV here, e.g. to replay a scenario elsewhere. */
  writeTrace?: string;
  /** `--vary NAME=a,b`: policies for each combination of these watcher variables. */
  vary: Array<[string, string[]]>;
  /** Model parameter flags as given, checked against the model once it is built. */
  model: Array<[string, string]>;
  help: boolean;
}

export const USAGE = `usage: npm run simulate -- [options]

Traffic (default: every built-in scenario):
  --scenario NAME       a built-in scenario (repeatable): ${SCENARIOS.map((s) => s.name).join(', ')}
  --trace FILE          a CSV trace of "t,rps" rows (repeatable)
  --seed N[,N...]       seed(s) of the scenarios' noise (default 1); each scenario runs once per seed
  --days N              length of the daily scenario in days (default 1)
Model:
  --deployment NAME     gke (what we ship, default) or local (npm start)
  ${MODEL_KEYS.map(flagOf).join(' N, ')} N
Output:
  --json                the figures as JSON { "policies": [...], "oracle": {...} } (one trace)
  --summary             one row per policy over every run (all requests, the worst run, sums)
  --chart FILE.svg      a chart of one run (one trace)
  --png FILE.png        the chart as PNG, rendered with headless Chromium
  --chart-policy NAME   the policy charted (default ours)
  --write-trace FILE    the trace as CSV (one trace), the format --trace and npm run replay read
Policies:
  --vary NAME=a,b,...   also the shipped settings with each value of a watcher variable (repeatable:
                        every combination), e.g. --vary WATCHER_SAMPLES=1,2,3 --vary WATCHER_MODE=switch,spill
  codelab, ours, spill, the oracle, and "yours" when any watcher variable is set in the environment
  (e.g. WATCHER_SAMPLES=2 BURST_HIGH_RPS=20 npm run simulate).`;

const MODEL_FLAGS = new Set(MODEL_KEYS.map(flagOf));

export function parseSimulateArgs(argv: string[]): SimulateOptions {
  const options: SimulateOptions = {
    scenarios: [],
    traces: [],
    seeds: [1],
    summary: false,
    days: 1,
    deployment: 'gke',
    json: false,
    chartPolicy: 'ours',
    vary: [],
    model: [],
    help: false,
  };
  const number = (flag: string, text: string, check: (n: number) => boolean, expected: string) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || !check(n))
      throw new SettingError(`${flag} is not valid: expected ${expected}, got "${text}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag = '', inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg];
    if (flag === '--json') options.json = true;
    else if (flag === '--summary') options.summary = true;
    else if (flag === '--help' || flag === '-h') options.help = true;
    else {
      const value = inline ?? argv[++i];
      if (!flag.startsWith('--')) throw new SettingError(`unexpected argument "${arg}"\n${USAGE}`);
      if (value === undefined) throw new SettingError(`${flag} needs a value\n${USAGE}`);
      if (flag === '--scenario') options.scenarios.push(value);
      else if (flag === '--trace') options.traces.push(value);
      else if (flag === '--seed')
        options.seeds = value
          .split(',')
          .map((seed) => number(flag, seed, (n) => Number.isInteger(n) && n >= 0, 'integers >= 0 separated by commas'));
      else if (flag === '--days') options.days = number(flag, value, (n) => n > 0 && n <= 366, 'days > 0 and <= 366');
      else if (flag === '--deployment') options.deployment = value;
      else if (flag === '--chart') options.chart = value;
      else if (flag === '--png') options.png = value;
      else if (flag === '--chart-policy') options.chartPolicy = value;
      else if (flag === '--write-trace') options.writeTrace = value;
      else if (flag === '--vary') {
        const [name = '', values = ''] = value.split(/=(.*)/s, 2);
        if (!name || !values)
          throw new SettingError(`--vary is not valid: expected NAME=value,value,..., got "${value}"`);
        options.vary.push([name.trim(), values.split(',').map((v) => v.trim())]);
      } else if (MODEL_FLAGS.has(flag)) options.model.push([flag, value]);
      else throw new SettingError(`unknown option ${flag}\n${USAGE}`);
    }
  }
  for (const name of options.scenarios)
    if (!SCENARIOS.some((s) => s.name === name))
      throw new SettingError(
        `--scenario ${name} is not a built-in scenario: expected one of ${SCENARIOS.map((s) => s.name).join(', ')}`,
      );
  const runs =
    (options.scenarios.length || (options.traces.length ? 0 : SCENARIOS.length)) * options.seeds.length +
    options.traces.length;
  if (runs > 1 && (options.json || options.chart || options.png || options.writeTrace))
    throw new SettingError(
      '--json, --chart, --png and --write-trace describe one run: give one --scenario or one --trace',
    );
  return options;
}
