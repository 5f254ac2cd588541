// Unit tests: `src/**/*.test.ts` of every project. No real servers or processes, no sleeps;
// files run in parallel and the whole set takes seconds. `nx test <project>` runs one project's
// (`vitest run <its folder>/src/`). Integration tests (real Redis, Prometheus, Chromium, built apps)
// are vitest.integration.config.ts.
import { defineConfig } from 'vitest/config';
import { alias, exclude, nxProjects } from './vitest.shared.js';

export default defineConfig({
  resolve: { alias },
  test: {
    // One vitest project for them all: a worker reuses what it loaded only within a project, and
    // with one per Nx project each worker loaded the shared libraries again (the run took twice as long).
    include: nxProjects.map(({ dir }) => `${dir}/src/**/*.test.ts`),
    exclude,
    testTimeout: 10_000,
    // Unit tests keep no state in modules, so a worker thread reuses what it loaded from one
    // file to the next instead of starting each file afresh (that start-up was most of the run).
    pool: 'threads',
    isolate: false,
  },
});
