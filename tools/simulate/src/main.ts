// `npm run simulate`: traces through the real burst policy against a model of the two clusters.
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '@string-hashr/runtime';
import { chartSvg } from './chart.js';
import { USAGE, parseSimulateArgs } from './cli.js';
import { loadDeployment } from './deployment.js';
import { runLab, type LabResult } from './lab.js';
import { SettingError, overrideModel } from './model.js';
import { lineup, variations } from './policies.js';
import { SCENARIOS, buildScenario } from './scenarios.js';
import { figuresTable, duration, summaryTable } from './table.js';
import { TraceError, parseTrace, traceCsv, type Trace } from './trace.js';

function readTraceFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new TraceError(`cannot read the trace ${file}: ${(err as Error).message}`);
  }
}

/** Runs longer than this print progress on stderr. */
const PROGRESS_ABOVE_SECONDS = 2 * 86_400;

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const options = parseSimulateArgs(argv);
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const deployment = loadDeployment(options.deployment);
  const model = overrideModel(deployment.model, options.model);
  const policies = [...lineup(deployment.watcherEnv, env), ...variations(deployment.watcherEnv, options.vary)];
  if (env.WATCHER_QUERY)
    console.error(
      'simulate: WATCHER_QUERY is not modelled; the policies read the default query (source-reported rate)',
    );
  if ((options.chart || options.png) && !policies.some((p) => p.name === options.chartPolicy))
    throw new SettingError(
      `--chart-policy ${options.chartPolicy} is not in this run: expected one of ${policies.map((p) => p.name).join(', ')}`,
    );

  const scenarios =
    options.scenarios.length || options.traces.length ? options.scenarios : SCENARIOS.map((s) => s.name);
  const traces: Array<() => Trace> = [
    ...options.seeds.flatMap((seed) =>
      scenarios.map((name) => () => {
        const trace = buildScenario(name, { seed, days: options.days });
        return options.seeds.length > 1 ? { ...trace, name: `${name} seed ${seed}` } : trace;
      }),
    ),
    ...options.traces.map((file) => () => parseTrace(readTraceFile(file), file)),
  ];

  const started = performance.now();
  const results: LabResult[] = [];
  let simulated = 0;
  for (const build of traces) {
    const trace = build();
    if (options.writeTrace) writeFileSync(options.writeTrace, traceCsv(trace));
    const long = trace.rps.length > PROGRESS_ABOVE_SECONDS;
    if (long)
      console.error(`simulate: ${trace.name}, ${duration(trace.rps.length)} at 1 s, ${policies.length} policies`);
    const result = runLab(trace, policies, model, {
      recordPolicy: options.chart || options.png ? options.chartPolicy : undefined,
      progress: long
        ? (policy, s) =>
            console.error(
              `  ${policy}: ${duration(s)} of ${duration(trace.rps.length)} (${Math.round((100 * s) / trace.rps.length)}%)`,
            )
        : undefined,
    });
    simulated += trace.rps.length * policies.length;
    results.push(result);
    const record = result.recorded?.record;
    if (record && result.recorded) {
      const svg = chartSvg({
        title: `${trace.name}: ${options.chartPolicy} (${deployment.name})`,
        load: trace.rps,
        record,
        primaryCapacity: model.primaryCapacityRps,
        figures: result.recorded.figures,
      });
      if (options.chart) writeFileSync(options.chart, svg);
      if (options.png) {
        const { renderPng } = await import('./render-png.js');
        await renderPng(svg, options.png);
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;

  if (options.json) {
    const [only] = results;
    console.log(JSON.stringify({ policies: only?.policies ?? [], oracle: only?.oracle ?? null }, null, 2));
  } else {
    console.log(`Deployment: ${deployment.description}.`);
    for (const p of policies) console.log(`  ${p.name}: ${p.description}`);
    console.log('');
    console.log(options.summary ? summaryTable(results) : figuresTable(results));
  }
  console.error(
    `simulate: ${results.length} trace(s) x ${policies.length} policies + oracle, ${duration(simulated)} simulated in ${seconds.toFixed(1)} s`,
  );
}

main(process.argv.slice(2), process.env).catch((err: unknown) => {
  const known = err instanceof SettingError || err instanceof ConfigError || err instanceof TraceError;
  console.error(`simulate: ${known ? (err as Error).message : ((err as Error).stack ?? String(err))}`);
  process.exitCode = 1;
});
