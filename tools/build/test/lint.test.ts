// Lint is enforced, not hoped for: `nx graph` shows apps on libs only; ESLint
// (@nx/enforce-module-boundaries with the tags in each project.json) refuses a wrong import; and
// `prettier --check` refuses unformatted code; shellcheck passes every shell script. The fixtures are
// deliberate violations.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const apps = ['worker', 'frontend', 'istiowatcher'];

describe('nx graph', () => {
  it('shows every app depending on libs only, never on another app or a tool', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nx-graph-'));
    try {
      const file = path.join(dir, 'graph.json');
      await promisify(execFile)('npx', ['nx', 'graph', `--file=${file}`], {
        cwd: root,
        env: { ...process.env, NX_DAEMON: 'false' },
      });
      const { graph } = JSON.parse(readFileSync(file, 'utf8')) as {
        graph: { nodes: Record<string, { type: string }>; dependencies: Record<string, Array<{ target: string }>> };
      };
      const internal = (targets: string[]) => targets.filter((t) => t in graph.nodes);
      for (const app of apps) {
        const targets = internal((graph.dependencies[app] ?? []).map((d) => d.target));
        expect(targets.length, `${app} uses libs`).toBeGreaterThan(0);
        expect(
          targets.filter((t) => graph.nodes[t]?.type !== 'lib'),
          `${app} depends on a non-lib`,
        ).toEqual([]);
      }
      expect((graph.dependencies.frontend ?? []).map((d) => d.target)).toContain('traffic');
      expect((graph.dependencies.istiowatcher ?? []).map((d) => d.target)).toContain('policy');
      expect((graph.dependencies.worker ?? []).map((d) => d.target)).toContain('hashing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lint refuses a wrong import', () => {
  const eslint = new ESLint({ cwd: root });
  const boundaryErrors = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
    return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  };

  it.each([
    [
      'an app importing another app',
      'apps/worker/src/violation.ts',
      "import { createApp } from '../../frontend/src/app.js';\nexport const x = createApp;\n",
    ],
    [
      'a shared lib importing a watcher lib',
      'libs/runtime/src/violation.ts',
      "import { burstPolicy } from '@string-hashr/policy';\nexport const x = burstPolicy;\n",
    ],
    [
      "the worker importing the frontend's lib",
      'apps/worker/src/violation.ts',
      "import { startSchedule } from '@string-hashr/traffic';\nexport const x = startSchedule;\n",
    ],
    [
      'product code importing test support',
      'apps/frontend/src/violation.ts',
      "import { freePort } from '@string-hashr/testing';\nexport const x = freePort;\n",
    ],
    [
      'a lib importing a tool',
      'libs/policy/src/violation.ts',
      "import { planStack } from '../../../tools/local-stack/src/plan.js';\nexport const x = planStack;\n",
    ],
  ])('%s', async (_what, filePath, code) => {
    expect(await boundaryErrors(filePath, code)).not.toEqual([]);
  });

  it('and accepts the allowed ones (an app on a shared lib, a test on test support)', async () => {
    expect(
      await boundaryErrors(
        'apps/worker/src/fine.ts',
        "import { HASH_LENGTH } from '@string-hashr/contract';\nexport const x = HASH_LENGTH;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryErrors(
        'apps/worker/src/fine.test.ts',
        "import { freePort } from '@string-hashr/testing';\nexport const x = freePort;\n",
      ),
    ).toEqual([]);
  });
});

describe('lint refuses unformatted code', () => {
  it('prettier --check (as every lint target runs it) fails on an unformatted file and passes once it is formatted', async () => {
    // Inside the tree (and not git-ignored, which prettier would skip), so the repository's
    // .prettierrc.json applies as it does to real code.
    const dir = mkdtempSync(path.join(import.meta.dirname, '.prettier-fixture-'));
    const check = () => spawnSync('npx', ['prettier', '--check', dir], { cwd: root, encoding: 'utf8' });
    try {
      writeFileSync(path.join(dir, 'sample.ts'), 'export const  answer  =  {a:1,b:"two"}\n');
      const bad = check();
      expect(bad.status).toBe(1);
      expect(bad.stdout + bad.stderr).toContain('sample.ts');
      writeFileSync(path.join(dir, 'sample.ts'), "export const answer = { a: 1, b: 'two' };\n");
      expect(check().status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is part of every project's lint target", () => {
    const projectFiles = ['apps', 'libs', 'tools']
      .flatMap((group) => readdirSync(path.join(root, group)).map((dir) => path.join(group, dir, 'project.json')))
      .filter((file) => existsSync(path.join(root, file)));
    expect(projectFiles.length).toBeGreaterThan(10);
    for (const file of projectFiles) {
      const project = JSON.parse(readFileSync(path.join(root, file), 'utf8')) as {
        targets: { lint?: { command?: string } };
      };
      expect(project.targets.lint?.command, file).toContain(`prettier --check ${path.dirname(file)}`);
    }
  });
});

/** Every shell script of the repository: tools/<tool>/*.sh and the CI entry point. */
function shellScripts(): string[] {
  const tools = readdirSync(path.join(root, 'tools'), { withFileTypes: true }).filter((d) => d.isDirectory());
  return [
    '.ci/run',
    ...tools.flatMap((tool) =>
      readdirSync(path.join(root, 'tools', tool.name))
        .filter((name) => name.endsWith('.sh'))
        .map((name) => `tools/${tool.name}/${name}`),
    ),
  ];
}

/** shellcheck's findings on `files` (empty: clean); a missing shellcheck is one error naming the package. */
function shellcheck(files: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync('shellcheck', ['-x', ...files], { cwd: root, encoding: 'utf8', env });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    throw new Error('shellcheck is not installed: install the shellcheck package (apt-get install shellcheck)');
  if (result.error) throw result.error;
  return result.stdout + result.stderr + (result.status === 0 ? '' : `(exit ${result.status})`);
}

describe('shell scripts', () => {
  const scripts = shellScripts();

  it('are all found', () => {
    expect(scripts).toEqual(
      expect.arrayContaining(['.ci/run', 'tools/cluster/up.sh', 'tools/images/build-and-check.sh']),
    );
  });

  it('are shellcheck clean', () => {
    expect(shellcheck(scripts)).toBe('');
  });

  it('a missing shellcheck is one error that names the package', () => {
    expect(() => shellcheck(scripts, { PATH: path.join(root, 'no-such-dir') })).toThrow(
      'shellcheck is not installed: install the shellcheck package (apt-get install shellcheck)',
    );
  });

  it('the check sees a finding', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shellcheck-'));
    try {
      writeFileSync(path.join(dir, 'bad.sh'), '#!/usr/bin/env bash\necho $1\n');
      expect(shellcheck([path.join(dir, 'bad.sh')])).toContain('SC2086');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
