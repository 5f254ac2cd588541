// Shared by the watcher's integration tests: where the bundle is, a VirtualService or an
// HTTPRoute to start from, and the watcher's /metrics read as numbers.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, http, startNodeApp, waitFor, workerRouteYaml, type RunningProcess } from '@string-hashr/testing';
import { parseExposition } from '@string-hashr/metric-reading';
import {
  findVirtualService,
  readWeights,
  type HttpRouteLike,
  type VirtualServiceLike,
} from '@string-hashr/kube-objects';
import { type Weights } from '@string-hashr/policy';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { DEFAULT_NAMESPACE, DEFAULT_SUBSETS, SERVICES, WORKER_VIRTUAL_SERVICE, fqdn } from '@string-hashr/contract';

export const MAIN_JS = fileURLToPath(new URL('../../../dist/apps/istiowatcher/main.js', import.meta.url));

const HOST = fqdn(SERVICES.worker.name, DEFAULT_NAMESPACE);

/** The worker VirtualService as the manifests have it, with extra fields a router must not touch. */
export function workerVirtualService(weights: Weights): VirtualServiceLike {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name: WORKER_VIRTUAL_SERVICE,
      namespace: DEFAULT_NAMESPACE,
      labels: { app: 'worker' },
      annotations: { note: 'kept as is' },
    },
    spec: {
      hosts: [SERVICES.worker.name],
      gateways: ['mesh'],
      http: [
        {
          match: [{ uri: { prefix: '/admin' } }],
          route: [{ destination: { host: HOST, subset: DEFAULT_SUBSETS.primary } }],
        },
        {
          retries: { attempts: 2, perTryTimeout: '2s' },
          route: [
            {
              destination: { host: HOST, subset: DEFAULT_SUBSETS.primary, port: { number: SERVICES.worker.port } },
              weight: weights.primary,
            },
            {
              destination: { host: HOST, subset: DEFAULT_SUBSETS.burst, port: { number: SERVICES.worker.port } },
              weight: weights.burst,
              headers: { request: { set: { 'x-burst': '1' } } },
            },
          ],
        },
      ],
    },
  };
}

/** The worker HTTPRoute as `npm run manifests` generates it, with extra fields a router must not touch. */
export function workerHttpRoute(weights: Weights): HttpRouteLike {
  const route = parse(workerRouteYaml('HTTPRoute', weights)) as HttpRouteLike;
  route.metadata = { ...route.metadata, labels: { app: 'worker' }, annotations: { note: 'kept as is' } };
  return route;
}

export const VS_FILE_HEADER = '# worker routing, written by hand; the watcher changes only the two weights\n';

export function writeVsFile(file: string, weights: Weights): void {
  // The header comment shows that comments survive the router's writes.
  writeFileSync(file, VS_FILE_HEADER + stringify(workerVirtualService(weights)));
}

/** The VirtualService's annotations in the file. */
export function vsFileAnnotations(file: string): Record<string, string> {
  const { vs } = findVirtualService(readFileSync(file, 'utf8'));
  return (vs.metadata?.annotations ?? {}) as Record<string, string>;
}

/** An operator's edit of the file's annotations (undefined removes one), keeping the rest of the file. */
export function annotateVsFile(file: string, annotations: Record<string, string | undefined>): void {
  const { docs, index } = findVirtualService(readFileSync(file, 'utf8'));
  const doc = docs[index]!;
  for (const [key, value] of Object.entries(annotations))
    if (value === undefined) doc.deleteIn(['metadata', 'annotations', key]);
    else doc.setIn(['metadata', 'annotations', key], value);
  writeFileSync(file, docs.map((d) => d.toString()).join(''));
}

export function vsFileWeights(file: string): Weights {
  const vs = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as VirtualServiceLike)
    .find((d) => d?.kind === 'VirtualService');
  return readWeights(vs!);
}

/** The watcher's metrics: `name` or `name{label="v"}` (labels as exposed) -> value. */
export async function watcherMetrics(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const s of parseExposition(text)) {
    const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`);
    out.set(labels.length ? `${s.name}{${labels.join(',')}}` : s.name, s.value);
  }
  return out;
}

/** The log lines of a watcher that record a weight change, as `primary/burst` in order. */
export function weightChanges(output: string): string[] {
  return [
    ...output.matchAll(
      /(?:weights changed|rolled back: [^\n]*?|failsafe: weights changed) rps=\S+ weights=(\d+\/\d+)/g,
    ),
  ].map(([, weights]) => weights ?? '');
}

/**
 * Waits until the watcher has logged `count` weight changes and returns them. A change is written
 * (to the file or the API) before its log line, so a test that saw the weights waits for the line.
 */
export function loggedChanges(proc: { output(): string }, count: number, timeoutMs = 10_000): Promise<string[]> {
  return waitFor(
    `${count} logged weight changes`,
    () => {
      const changes = weightChanges(proc.output());
      return changes.length >= count ? changes : undefined;
    },
    timeoutMs,
    50,
  );
}

/** The sum of a metric over its label sets. */
export function metricSum(metrics: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [key, value] of metrics) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

/**
 * The built watcher on a fresh VirtualService file at 100/0, with the file router; resolves once
 * it is ready (a good read), or only alive when `until` says so (a watcher that cannot read).
 */
export async function startFileWatcher(
  env: Record<string, string>,
  until: 'ready' | 'alive' = 'ready',
): Promise<{
  proc: RunningProcess;
  port: number;
  file: string;
}> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'istiowatcher-')), 'worker-virtualservice.yaml');
  writeVsFile(file, { primary: 100, burst: 0 });
  const port = await freePort();
  const proc = startNodeApp(MAIN_JS, {
    PORT: String(port),
    WATCHER_INTERVAL_SECONDS: '1',
    WATCHER_ROUTER: 'file',
    WATCHER_VS_FILE: file,
    // These tests read the decisions of every tick from the log.
    WATCHER_LOG_TICKS: 'true',
    ...env,
  });
  await waitFor(
    `watcher ${until}`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`the watcher exited: ${proc.output()}`);
      return (await http(`http://127.0.0.1:${port}/${until === 'ready' ? 'readyz' : 'healthz'}`)).status === 200;
    },
    20_000,
    200,
  );
  return { proc, port, file };
}
