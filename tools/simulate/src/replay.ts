// `npm run replay -- trace.csv`: drives a running local stack (npm start) from a trace.
import { readFileSync } from 'node:fs';
import { PORTS } from '@string-hashr/contract';
import { DriveError, driveFrontend } from './drive-frontend.js';
import { SettingError } from './model.js';
import { SCENARIOS, buildScenario } from './scenarios.js';
import { TraceError, parseTraceRows, resample, type Trace } from './trace.js';

const USAGE = `usage: npm run replay -- <trace.csv | --scenario NAME> [--url URL] [--seed N] [--days N]
  Sets the frontend's rate each second from the trace, as a page would (socket.io "frequency").
  --url    the frontend (default http://127.0.0.1:$FRONTEND_PORT, else :${PORTS.frontend})
  CONTROL_KEY (environment): the frontend's key when it runs with RATE_CONTROL=key
  --scenario NAME  a built-in scenario instead of a file: ${SCENARIOS.map((s) => s.name).join(', ')}`;

interface ReplayArgs {
  file?: string;
  scenario?: string;
  url: string;
  seed: number;
  days: number;
}

export function parseReplayArgs(argv: string[], env: NodeJS.ProcessEnv): ReplayArgs {
  const args: ReplayArgs = {
    url: `http://127.0.0.1:${env.FRONTEND_PORT || PORTS.frontend}`,
    seed: 1,
    days: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      if (args.file) throw new SettingError(`one trace at a time: got "${args.file}" and "${arg}"\n${USAGE}`);
      args.file = arg;
      continue;
    }
    const [flag = '', inline] = arg.split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new SettingError(`${flag} needs a value\n${USAGE}`);
    if (flag === '--url') {
      if (!/^https?:\/\/[^/\s]+/.test(value))
        throw new SettingError(`--url is not valid: expected http://host:port, got "${value}"`);
      args.url = value;
    } else if (flag === '--scenario') args.scenario = value;
    else if (flag === '--seed' || flag === '--days') {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0 || (flag === '--seed' && !Number.isInteger(n)))
        throw new SettingError(`${flag} is not valid: got "${value}"`);
      args[flag === '--seed' ? 'seed' : 'days'] = n;
    } else throw new SettingError(`unknown option ${flag}\n${USAGE}`);
  }
  if (!args.file === !args.scenario) throw new SettingError(`give a trace file or --scenario NAME\n${USAGE}`);
  return args;
}

async function main(): Promise<void> {
  const args = parseReplayArgs(process.argv.slice(2), process.env);
  let trace: Trace;
  let checkMaxRate: (maxRate: number) => void;
  if (args.file) {
    const file = args.file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new TraceError(`cannot read the trace ${file}: ${(err as Error).message}`);
    }
    const rows = parseTraceRows(text, file);
    trace = resample(rows, file);
    checkMaxRate = (maxRate) => {
      const i = rows.rates.findIndex((r) => r > maxRate);
      if (i !== -1)
        throw new TraceError(
          `${file} line ${rows.lines[i]}: ${rows.rates[i]} req/s is above the frontend's MAX_RATE (${maxRate})`,
        );
    };
  } else {
    trace = buildScenario(args.scenario ?? '', args);
    checkMaxRate = (maxRate) => {
      const t = trace.rps.findIndex((r) => r > maxRate);
      if (t !== -1) throw new TraceError(`${trace.name} second ${t}: above the frontend's MAX_RATE (${maxRate})`);
    };
  }
  // Ctrl-C ends the replay with the rate set back to 0, as closing the page would not.
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  await driveFrontend(trace, {
    url: args.url,
    key: process.env.CONTROL_KEY || undefined,
    log: (line) => console.log(line),
    checkMaxRate,
    signal: stop.signal,
  });
  if (stop.signal.aborted) process.exitCode = 130;
}

main().catch((err: unknown) => {
  const known = err instanceof SettingError || err instanceof TraceError || err instanceof DriveError;
  console.error(`replay: ${known ? (err as Error).message : ((err as Error).stack ?? String(err))}`);
  process.exitCode = 1;
});
