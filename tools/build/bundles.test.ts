// Each app's bundle runs with nothing but the production dependencies its pruned package.json
// lists, installed by `npm ci` from its pruned package-lock.json into a directory outside the
// workspace (so the workspace's node_modules cannot help it), as the image does.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  http,
  startNodeApp,
  startRedis,
  waitFor,
  workerVirtualServiceYaml,
  type TestRedis,
} from '@string-hashr/testing';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const rootPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const rootLock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string }>;
};

describe('pruned production bundles', () => {
  let redis: TestRedis;
  const scratch = mkdtempSync(path.join(tmpdir(), 'hashr-bundles-'));
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const apps: Array<[string, string, (dir: string) => Record<string, string>]> = [
    ['worker', '/_healthz', () => ({ REDIS_URL: redis.url })],
    ['frontend', '/_healthz', () => ({ REDIS_URL: redis.url, PROCESSOR_URL: 'http://127.0.0.1:9' })],
    [
      'istiowatcher',
      '/healthz',
      (dir) => {
        writeFileSync(path.join(dir, 'vs.yaml'), workerVirtualServiceYaml());
        return {
          WATCHER_ROUTER: 'file',
          WATCHER_VS_FILE: path.join(dir, 'vs.yaml'),
          WATCHER_SOURCE: 'scrape',
          WATCHER_SCRAPE_URL: 'http://127.0.0.1:9/metrics',
          WATCHER_DRY_RUN: 'true',
        };
      },
    ],
  ];

  it.each(apps)(
    '%s runs from dist with only its pruned dependencies, installed by npm ci from its pruned lockfile',
    async (app, healthPath, envFor) => {
      const dist = path.join(root, 'dist/apps', app);
      expect(existsSync(path.join(dist, 'main.js')), `run \`nx build ${app}\` first`).toBe(true);
      const pkg = JSON.parse(readFileSync(path.join(dist, 'package.json'), 'utf8'));
      for (const name of Object.keys(pkg.dependencies)) {
        expect(rootPkg.dependencies, `${name} must be a production dependency`).toHaveProperty(name);
      }
      const dir = path.join(scratch, app);
      cpSync(dist, dir, { recursive: true });
      // npm ci refuses a lockfile that does not match package.json or misses a package the tree needs.
      await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir });
      // What npm installed (its hidden lockfile) is exactly what the pruned lockfile lists, at the workspace's versions.
      const locked = JSON.parse(readFileSync(path.join(dist, 'package-lock.json'), 'utf8')).packages as Record<
        string,
        { version: string }
      >;
      const installed = JSON.parse(readFileSync(path.join(dir, 'node_modules/.package-lock.json'), 'utf8'))
        .packages as Record<string, { version: string }>;
      const versions = (packages: Record<string, { version: string }>) =>
        Object.entries(packages)
          .filter(([location]) => location)
          .map(([location, entry]) => `${location}@${entry.version}`)
          .sort();
      expect(versions(installed)).toEqual(versions(locked));
      for (const location of Object.keys(locked).filter(Boolean))
        expect(locked[location]?.version, location).toBe(rootLock.packages[location]?.version);
      const port = await freePort();
      const proc = startNodeApp(path.join(dir, 'main.js'), { PORT: String(port), ...envFor(dir) });
      try {
        await waitFor(
          `${app} ${healthPath} to answer 200`,
          async () => (await http(`http://127.0.0.1:${port}${healthPath}`)).status === 200,
          20_000,
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- ${app} output ---\n${proc.output()}`);
      } finally {
        expect(await proc.stop()).toBe(0);
      }
    },
  );

  it("the watcher's main.js does not load the Kubernetes client: only its kubernetes router's chunk does", () => {
    const dist = path.join(root, 'dist/apps/istiowatcher');
    const staticImports = (file: string) =>
      [...readFileSync(file, 'utf8').matchAll(/^import [^;]*?from "([^"]+)"/gms)].map((m) => m[1]);
    // A CommonJS package is loaded with require() (tools/build/src/require-packages.mjs).
    const required = (file: string) =>
      [...readFileSync(file, 'utf8').matchAll(/__require\("([^"]+)"\)/g)].map((m) => m[1]);
    const main = path.join(dist, 'main.js');
    const loaded = new Set<string>();
    // What main.js loads before it runs: its static imports and required packages, and theirs, through the chunks.
    const visit = (file: string) => {
      for (const spec of [...staticImports(file), ...required(file)]) {
        const module = spec?.startsWith('.') ? path.resolve(path.dirname(file), spec) : (spec ?? '');
        if (loaded.has(module)) continue;
        loaded.add(module);
        if (spec?.startsWith('.')) visit(module);
      }
    };
    visit(main);
    expect([...loaded]).toContain('express');
    expect([...loaded]).not.toContain('@kubernetes/client-node');
    const lazy = readFileSync(main, 'utf8').match(/import\("(\.\/chunks\/connection-[^"]+)"\)/)?.[1];
    expect(lazy, 'a lazy import of the Kubernetes connection').toBeDefined();
    expect(staticImports(path.resolve(dist, lazy ?? ''))).toContain('@kubernetes/client-node');
  });
});
