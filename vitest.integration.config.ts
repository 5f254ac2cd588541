// Integration tests: `test/**/*.test.ts` of every project, and the tests at a tool's root whose
// subject is its scripts and files. They start real servers and processes on free ports (Redis,
// Prometheus, Chromium, the built apps) and wait for conditions, never for durations.
// `nx integration <project>` runs one project; `npm test` runs these after the unit tests.
import { defineConfig } from 'vitest/config';
import { alias, exclude, nxProjects } from './vitest.shared.js';

export default defineConfig({
  test: {
    // Four files at a time on two cores: most of their time is waiting on processes, scrapes and
    // sockets, and no test asserts a duration (speed is measured by `npm run bench`).
    maxWorkers: 4,
    projects: nxProjects.map(({ name, dir }) => ({
      resolve: { alias },
      test: {
        name,
        include: [`${dir}/test/**/*.test.ts`, `${dir}/*.test.ts`],
        exclude,
        testTimeout: 60_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
