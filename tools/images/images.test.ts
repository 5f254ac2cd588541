// Static checks of the Dockerfile, .dockerignore, the image script and cloudbuild.yaml. The
// images themselves are built and run by `npm run images` (minutes, needs root and buildah).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');
// The apps are the folders under apps/ with an Nx project: adding one must add its image.
const APPS = readdirSync(path.join(root, 'apps'))
  .filter((app) => existsSync(path.join(root, 'apps', app, 'project.json')))
  .sort();

type Instruction = { op: string; args: string };
type Stage = { from: string; instructions: Instruction[] };
/** The Dockerfile as instructions (continuation lines joined, comments dropped), split into the global part and stages. */
function parseDockerfile(text: string): { global: Instruction[]; stages: Stage[] } {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim());
  const global: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op = '', args = ''] = line.trim().match(/^(\S+)\s*(.*)$/) ?? [];
    const instruction = { op: op.toUpperCase(), args: args.replace(/\s+/g, ' ') };
    if (instruction.op === 'FROM') stages.push({ from: instruction.args, instructions: [] });
    else (stages.at(-1)?.instructions ?? global).push(instruction);
  }
  return { global, stages };
}

describe('Dockerfile (one for every app)', () => {
  const text = read('Dockerfile');
  const { global, stages } = parseDockerfile(text);
  const [build, runtime] = [stages[0], stages.at(-1)];
  const all = (stage: Stage | undefined, op: string) =>
    (stage?.instructions ?? []).filter((i) => i.op === op).map((i) => i.args);

  it('has public base images as build-args, and no :latest', () => {
    expect(global).toContainEqual({ op: 'ARG', args: 'BUILD_IMAGE=node:22-bookworm-slim' });
    expect(global).toContainEqual({ op: 'ARG', args: 'RUNTIME_IMAGE=gcr.io/distroless/nodejs22-debian12:nonroot' });
    expect(text).not.toMatch(/:latest\b/);
  });

  it('is multi-stage: a build stage from BUILD_IMAGE, the runtime from RUNTIME_IMAGE taking only the built app', () => {
    expect(stages.map((s) => s.from)).toEqual(['${BUILD_IMAGE} AS build', '${RUNTIME_IMAGE}']);
    expect(all(runtime, 'RUN'), 'nothing runs in the runtime stage (distroless has no shell)').toEqual([]);
    expect(all(runtime, 'COPY')).toEqual(['--from=build /repo/dist/apps/${APP}/ ./']);
  });

  it('takes the app from ARG APP (no default) in both stages and builds it with Nx', () => {
    expect(all(build, 'ARG')).toContain('APP');
    expect(all(runtime, 'ARG')).toContain('APP');
    expect(all(build, 'RUN').some((r) => r.includes('npx nx build "$APP"'))).toBe(true);
  });

  // The guards are run here as the build would run them (sh, from the repository root), before any Nx build.
  const guards = all(build, 'RUN').filter((r) => /\$\{?APP\b/.test(r) && !r.includes('nx build'));
  const runGuards = (app: string) => {
    for (const guard of guards) {
      const result = spawnSync('sh', ['-c', guard], { cwd: root, env: { ...process.env, APP: app }, encoding: 'utf8' });
      if (result.status !== 0) return { status: result.status, stderr: result.stderr };
    }
    return { status: 0, stderr: '' };
  };
  it.each([
    ['', /APP is not set: docker build -f Dockerfile --build-arg APP=<worker\|frontend\|istiowatcher>/],
    ['bogus', /unknown APP 'bogus': expected one of: frontend istiowatcher worker/],
    ['../libs/core', /unknown APP '..\/libs\/core'/],
    ['work', /unknown APP 'work'/],
  ])('refuses APP=%j with a clear message', (app, message) => {
    expect(guards.length).toBeGreaterThan(0);
    const { status, stderr } = runGuards(app);
    expect(status).not.toBe(0);
    expect(stderr).toMatch(message);
  });
  it.each(APPS)('accepts APP=%s', (app) => expect(runGuards(app)).toEqual({ status: 0, stderr: '' }));

  it("installs the bundle's dependencies with npm ci from its pruned lockfile: production only, no scripts, never npm install", () => {
    const install = all(build, 'RUN').find((r) => r.includes('cd "dist/apps/$APP"'));
    expect(install).toMatch(/cd "dist\/apps\/\$APP" && npm ci --omit=dev --ignore-scripts\b/);
    expect(install, 'the lockfile stays beside the bundle').not.toMatch(/package-lock/);
    // and strips what only tools read
    expect(install).toContain('rm -rf node_modules/@types');
    for (const pattern of ["'*.d.ts'", "'*.map'", "'*.md'"]) expect(install).toContain(pattern);
    expect(text).not.toMatch(/npm (install|i)\b|--no-package-lock/);
  });

  it('runs main.js as the non-root uid the manifests run it as', () => {
    expect(all(runtime, 'USER').at(-1)).toBe('65532:65532');
    expect(all(runtime, 'CMD').at(-1)).toBe('["main.js"]');
    const deployments = ['primary/worker-primary', 'primary/frontend', 'routing/virtualservice/primary/istiowatcher'];
    for (const file of [...deployments, 'routing/gateway-api/primary/istiowatcher']) {
      expect(read(`k8s/${file}.yaml`), file).toMatch(/runAsUser: 65532\n\s+runAsGroup: 65532/);
    }
  });

  it("has no EXPOSE: the ports live in the manifests and each app's PORT default", () => {
    expect(stages.flatMap((s) => all(s, 'EXPOSE'))).toEqual([]);
  });

  it('is the only Dockerfile', () => {
    for (const app of APPS) expect(existsSync(path.join(root, 'apps', app, 'Dockerfile')), app).toBe(false);
  });

  it('.dockerignore sends only what the Dockerfile copies', () => {
    const lines = read('.dockerignore')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('**');
    expect(lines).toContain('**/node_modules');
    const sources = all(build, 'COPY').flatMap((c) => c.split(' ').slice(0, -1));
    expect(sources).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'tools/build', 'libs', 'apps']),
    );
    for (const src of sources)
      expect(
        lines.some((l) => l === `!${src}` || l === `!${src}/**`),
        src,
      ).toBe(true);
    const kept = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/\*\*$/, ''));
    expect(kept.sort(), 'nothing sent that is not copied').toEqual([...sources].sort());
  });
});

describe('cloudbuild.yaml', () => {
  const build = parse(read('cloudbuild.yaml'));
  const steps: Array<{ id: string; name: string; args: string[]; waitFor?: string[] }> = build.steps;

  it('builds every app from the one Dockerfile with --build-arg APP, in parallel, tagged with the registry and tag substitutions', () => {
    const builds = steps.filter((s) => s.args?.[0] === 'build');
    expect(builds.map((s) => s.id).sort()).toEqual(APPS.map((app) => `build-${app}`).sort());
    for (const app of APPS) {
      const step = builds.find((s) => s.id === `build-${app}`);
      expect(step?.name, app).toBe('gcr.io/cloud-builders/docker');
      expect(step?.args, app).toEqual([
        'build',
        '-f',
        'Dockerfile',
        '--build-arg',
        `APP=${app}`,
        '-t',
        `\${_REGISTRY}/${app}:\${_TAG}`,
        '.',
      ]);
      expect(step?.waitFor, app).toEqual(['check-tag']);
      expect(build.images).toContain(`\${_REGISTRY}/${app}:\${_TAG}`);
    }
    expect(build.images).toHaveLength(APPS.length);
  });

  it('tags with $SHORT_SHA by default and pushes to Artifact Registry', () => {
    expect(build.substitutions._TAG).toBe('${SHORT_SHA}');
    expect(build.substitutions._REGISTRY).toMatch(/^\$\{_AR_LOCATION\}-docker\.pkg\.dev\/\$\{PROJECT_ID\}\//);
    expect(build.options.dynamicSubstitutions).toBe(true);
  });

  it('renders the manifests for that tag with flags the generator accepts, and keeps them as an artifact', () => {
    const render = steps.find((s) => s.id === 'render-manifests')!;
    const script = render.args.join(' ');
    const command = (script.match(/node tools\/build\/run-ts\.mjs tools\/manifests\/src\/main\.ts (.+)/)?.[1] ?? '')
      .split(/\s+/)
      .map((a) => a.replace(/'/g, ''));
    const resolved = command.map((a) =>
      a.replace('${_REGISTRY}', 'us-west1-docker.pkg.dev/p/string-hashr').replace('${_TAG}', 'abc1234'),
    );
    // Run the generator as Cloud Build does, into a temp folder instead of build/manifests.
    const outAt = resolved.indexOf('--out');
    expect(resolved[outAt + 1]).toBe('build/manifests');
    const out = mkdtempSync(path.join(tmpdir(), 'cloudbuild-manifests-'));
    resolved[outAt + 1] = out;
    try {
      const generated = spawnSync(
        process.execPath,
        ['tools/build/run-ts.mjs', 'tools/manifests/src/main.ts', ...resolved],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
      expect(generated.status, generated.stderr).toBe(0);
      expect(readFileSync(path.join(out, 'k8s/primary/frontend.yaml'), 'utf8')).toContain(
        'image: us-west1-docker.pkg.dev/p/string-hashr/frontend:abc1234',
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    expect(build.artifacts.objects.paths).toEqual(['build/string-hashr-manifests-${_TAG}.tar.gz']);
    expect(script).toContain(
      "tar czf 'build/string-hashr-manifests-${_TAG}.tar.gz' -C build/manifests k8s istio-manifests",
    );
  });
});
