// Unit tests: `src/**/*.test.ts` of every project. No real servers or processes, no sleeps;
// files run in parallel and the whole set takes seconds. `nx test <project>` runs one project.
// Integration tests (real Redis, Prometheus, Chromium, built apps) are vitest.integration.config.ts.
import { defineConfig } from 'vitest/config';
import { alias, exclude, nxProjects } from './vitest.shared.js';

export default defineConfig({
  test: {
    projects: nxProjects.map(({ name, dir }) => ({
      resolve: { alias },
      test: {
        name,
        include: [`${dir}/src/**/*.test.ts`],
        exclude,
        testTimeout: 10_000,
        // Unit tests keep no state in modules, so a worker thread reuses what it loaded from one
        // file to the next instead of starting each file afresh (that start-up was most of the run).
        pool: 'threads',
        isolate: false,
      },
    })),
  },
});
