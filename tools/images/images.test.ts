// Static checks of the Dockerfiles, .dockerignore, the image script and cloudbuild.yaml. The
// images themselves are built and run by `npm run images` (minutes, needs root and buildah).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');
const APPS = ['worker', 'frontend', 'istiowatcher'] as const;
const PORTS = { worker: 8081, frontend: 8080, istiowatcher: 9102 };

describe('Dockerfiles', () => {
  it.each(APPS)('apps/%s/Dockerfile: multi-stage, Nx build, production deps only, non-root, CMD main.js', (app) => {
    const text = read(`apps/${app}/Dockerfile`);
    expect(text).toMatch(/^ARG BUILD_IMAGE=node:22-bookworm-slim$/m);
    expect(text).toMatch(/^ARG RUNTIME_IMAGE=gcr\.io\/distroless\/nodejs22-debian12:nonroot$/m);
    expect(text).toMatch(/^FROM \$\{BUILD_IMAGE\} AS build$/m);
    expect(text).toMatch(/^FROM \$\{RUNTIME_IMAGE\}$/m);
    expect(text).toMatch(new RegExp(`^ARG APP=${app}$`, 'm'));
    expect(text).toContain('npx nx build "$APP"');
    expect(text).toContain('npm install --omit=dev');
    expect(text).toMatch(/^USER 65532:65532$/m);
    expect(text).toMatch(new RegExp(`^EXPOSE ${PORTS[app]}$`, 'm'));
    expect(text).toMatch(/^CMD \["main\.js"\]$/m);
    expect(text).not.toMatch(/:latest\b/);
  });

  it('are the same file but for the app name and port', () => {
    const shape = (app: (typeof APPS)[number]) =>
      read(`apps/${app}/Dockerfile`).replaceAll(app, 'APP').replace(String(PORTS[app]), 'PORT');
    expect(shape('frontend')).toBe(shape('worker'));
    expect(shape('istiowatcher')).toBe(shape('worker'));
  });

  it('.dockerignore sends only what the Dockerfiles copy', () => {
    const lines = read('.dockerignore')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('**');
    for (const kept of [
      '!package.json',
      '!package-lock.json',
      '!nx.json',
      '!tsconfig.base.json',
      '!tools/build/**',
      '!libs/**',
      '!apps/**',
    ])
      expect(lines).toContain(kept);
    expect(lines).toContain('**/node_modules');
    for (const copied of read('apps/worker/Dockerfile').matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of (copied[1] ?? '').split(' '))
        expect(
          lines.some((l) => l === `!${src}` || l === `!${src}/**`),
          src,
        ).toBe(true);
    }
  });
});

const hasShellcheck = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;

describe('tools/images/build-and-check.sh', () => {
  it('has shellcheck to check with (apt-get install shellcheck)', () => expect(hasShellcheck).toBe(true));

  it('is shellcheck clean', () => {
    const result = spawnSync('shellcheck', ['tools/images/build-and-check.sh'], { cwd: root, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('cloudbuild.yaml', () => {
  const build = parse(read('cloudbuild.yaml'));
  const steps: Array<{ id: string; name: string; args: string[]; waitFor?: string[] }> = build.steps;

  it('builds each app image from its Dockerfile, in parallel, tagged with the registry and tag substitutions', () => {
    for (const app of APPS) {
      const step = steps.find((s) => s.id === `build-${app}`)!;
      expect(step, app).toBeDefined();
      expect(step.args).toEqual(['build', '-f', `apps/${app}/Dockerfile`, '-t', `\${_REGISTRY}/${app}:\${_TAG}`, '.']);
      expect(step.waitFor).toEqual(['check-tag']);
      expect(build.images).toContain(`\${_REGISTRY}/${app}:\${_TAG}`);
    }
  });

  it('tags with $SHORT_SHA by default and pushes to Artifact Registry', () => {
    expect(build.substitutions._TAG).toBe('${SHORT_SHA}');
    expect(build.substitutions._REGISTRY).toMatch(/^\$\{_AR_LOCATION\}-docker\.pkg\.dev\/\$\{PROJECT_ID\}\//);
    expect(build.options.dynamicSubstitutions).toBe(true);
  });

  it('renders the manifests for that tag with flags the generator accepts, and keeps them as an artifact', () => {
    const render = steps.find((s) => s.id === 'render-manifests')!;
    const script = render.args.join(' ');
    const command = script
      .match(/npx tsx tools\/manifests\/src\/main\.ts (.+)/)![1]!
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
    const generated = spawnSync('npx', ['tsx', 'tools/manifests/src/main.ts', ...resolved], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(generated.status, generated.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'k8s/primary/frontend.yaml'), 'utf8')).toContain(
      'image: us-west1-docker.pkg.dev/p/string-hashr/frontend:abc1234',
    );
    rmSync(out, { recursive: true, force: true });
    expect(build.artifacts.objects.paths).toEqual(['build/string-hashr-manifests-${_TAG}.tar.gz']);
    expect(script).toContain(
      "tar czf 'build/string-hashr-manifests-${_TAG}.tar.gz' -C build/manifests k8s istio-manifests",
    );
  });
});
