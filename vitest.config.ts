import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// One vitest project per Nx project, so `nx test <project>` runs `vitest run --project <project>`
// and `npm test` runs them all in one report.
const projects: Record<string, string> = {
  bundles: 'tools/build',
  core: 'libs/core',
  traffic: 'libs/traffic',
  burst: 'libs/burst',
  testing: 'libs/testing',
  worker: 'apps/worker',
  frontend: 'apps/frontend',
  istiowatcher: 'apps/istiowatcher',
  manifests: 'tools/manifests',
  mesh: 'tools/mesh',
  'local-stack': 'tools/local-stack',
  cluster: 'tools/cluster',
  images: 'tools/images',
};

const alias = {
  '@string-hashr/core': fileURLToPath(new URL('./libs/core/src/index.ts', import.meta.url)),
  '@string-hashr/traffic': fileURLToPath(new URL('./libs/traffic/src/index.ts', import.meta.url)),
  '@string-hashr/burst': fileURLToPath(new URL('./libs/burst/src/index.ts', import.meta.url)),
  '@string-hashr/testing': fileURLToPath(new URL('./libs/testing/src/index.ts', import.meta.url)),
};

export default defineConfig({
  test: {
    // One test file at a time across all projects: the integration tests start real servers and
    // measure rates, and two of them sharing 2 cores make each other's timings lie.
    fileParallelism: false,
    projects: Object.entries(projects).map(([name, root]) => ({
      resolve: { alias },
      test: {
        name,
        include: [`${root}/**/*.test.ts`],
        exclude: ['**/node_modules/**', '**/dist/**'],
        testTimeout: 60_000,
        hookTimeout: 60_000,
        // Integration tests start real servers and measure rates: one file at a time keeps
        // them honest on a 2-core machine.
        fileParallelism: false,
      },
    })),
  },
});
