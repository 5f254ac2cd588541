// `nx serve worker` (tools/build/serve-app.mjs) on a copy of the workspace in a temp folder, so the
// edits the test makes never touch the repository: the app reads its .env, follows a change to its
// own sources, to a lib and to its .env, keeps the last good build through a broken one, and stops
// with serve.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningProcess,
  type TestRedis,
  freePort,
  http,
  portOpen,
  repoRoot,
  startProcess,
  startRedis,
  waitFor,
} from '@string-hashr/testing';

const COPIED = ['apps/worker', 'libs', 'tools/build', 'tsconfig.base.json', 'package.json'];
// Hang guards: a rebuild and restart is a few seconds; a busy machine may stretch that.
const WAIT_MS = 60_000;

describe('nx serve worker', () => {
  let workspace: string;
  let redis: TestRedis;
  let serve: RunningProcess;
  let port: number;
  const edit = (file: string, change: (source: string) => string) => {
    const full = path.join(workspace, file);
    const before = readFileSync(full, 'utf8');
    const after = change(before);
    expect(after).not.toBe(before);
    writeFileSync(full, after);
  };
  const answer = async (route: string) => (await http(`http://127.0.0.1:${port}${route}`)).body;

  beforeAll(async () => {
    workspace = mkdtempSync(path.join(tmpdir(), 'string-hashr-serve-'));
    for (const part of COPIED)
      cpSync(path.join(repoRoot, part), path.join(workspace, part), {
        recursive: true,
        filter: (from) => !from.includes('node_modules'),
      });
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(workspace, 'node_modules'));
    redis = await startRedis();
    port = await freePort();
    writeFileSync(path.join(workspace, 'apps/worker/.env'), `PORT=${port}\nREDIS_URL=${redis.url}\n`);
    serve = startProcess(process.execPath, [path.join(workspace, 'tools/build/serve-app.mjs'), 'worker'], {
      cwd: workspace,
      // What the worker knows of its port and Redis comes from its .env only.
      env: { PORT: undefined, REDIS_URL: undefined, PREFIX: undefined },
    });
  });

  afterAll(async () => {
    await serve?.stop();
    await redis?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('starts the worker with the settings of apps/worker/.env', async () => {
    await waitFor(
      'the worker ready on the port its .env names',
      async () => (await answer('/_healthz').catch(() => '')) === 'ok',
      WAIT_MS,
    );
    expect(await answer('/')).toBe('ok');
  });

  it('answers with the new code after a change to the app, with no restart by hand', async () => {
    edit('apps/worker/src/app.ts', (source) =>
      source.replace("res.type('text/plain').send('ok');", "res.type('text/plain').send('ok, changed while served');"),
    );
    await waitFor(
      'the changed answer',
      async () => (await answer('/').catch(() => '')) === 'ok, changed while served',
      WAIT_MS,
    );
    expect(serve.output()).toContain('[serve worker] sources changed: restarting worker');
    await waitFor(
      'the restarted worker ready',
      async () => (await answer('/_healthz').catch(() => '')) === 'ok',
      WAIT_MS,
    );
  });

  it('restarts on a change to a lib the worker imports', async () => {
    edit('libs/runtime/src/lifecycle.ts', (source) => `${source}\nconsole.log('runtime lib changed while served');\n`);
    await waitFor(
      'the lib change in the new process',
      () => serve.output().includes('runtime lib changed while served'),
      WAIT_MS,
    );
    await waitFor(
      'the restarted worker ready',
      async () => (await answer('/_healthz').catch(() => '')) === 'ok',
      WAIT_MS,
    );
  });

  it('keeps the last good build running through a broken one', async () => {
    const before = serve.output().length;
    edit('apps/worker/src/app.ts', (source) =>
      source.replace("send('ok, changed while served');", "send('ok, broken'"),
    );
    await waitFor(
      'the build error',
      () => serve.output().slice(before).includes('build failed; worker keeps running its last good build'),
      WAIT_MS,
    );
    expect(await answer('/')).toBe('ok, changed while served');
    edit('apps/worker/src/app.ts', (source) => source.replace("send('ok, broken'", "send('ok, mended');"));
    await waitFor('the mended answer', async () => (await answer('/').catch(() => '')) === 'ok, mended', WAIT_MS);
  });

  it('restarts on a change to its .env', async () => {
    writeFileSync(path.join(workspace, 'apps/worker/.env'), `PORT=${port}\nREDIS_URL=${redis.url}\nPREFIX=bursty-\n`);
    await waitFor('the worker started with the new .env', () => serve.output().includes('prefix=bursty-'), WAIT_MS);
    expect(serve.output()).toContain('[serve worker] .env changed: restarting worker');
  });

  it('stops the worker when serve stops', async () => {
    expect(await serve.stop()).toBe(0);
    expect(serve.output()).toContain('worker: stopped');
    expect(await portOpen(port)).toBe(false);
  });
});
