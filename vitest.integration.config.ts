// Integration tests: `test/**/*.test.ts` of every project, and the tests at a tool's root whose
// subject is its scripts and files. They start real servers and processes on free ports (Redis,
// Prometheus, Chromium, the built apps) and wait for conditions, never for durations.
// `nx integration <project>` runs one project; `npm test` runs these after the unit tests.
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';
import { alias, exclude, nxProjects } from './vitest.shared.js';

/**
 * The files that take minutes of real time (a scenario replayed through the local stack, three
 * 15 s scrapes, the whole stack in Chromium), started first so the short ones fill the other
 * workers around them instead of leaving one long file running alone at the end.
 */
const LONGEST_FIRST = [
  'tools/simulate/test/model-vs-stack.test.ts',
  'apps/istiowatcher/test/fresh-samples.test.ts',
  'tools/local-stack/test/terminal.test.ts',
  'tools/local-stack/test/stack.test.ts',
  'tools/local-stack/test/stack-modes.test.ts',
  'apps/frontend/test/bundles.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = LONGEST_FIRST.findIndex((long) => file.moduleId.endsWith(long));
      return at < 0 ? LONGEST_FIRST.length : at;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    // Six files at a time on two cores: most of their time is waiting on processes, scrapes and
    // sockets (a run keeps the cores about two-thirds busy), and no test asserts a duration (speed
    // is measured by `npm run bench`). With four, the short files queued behind the long ones.
    maxWorkers: 6,
    sequence: { sequencer: LongestFirst },
    projects: nxProjects.map(({ name, dir }) => ({
      resolve: { alias },
      test: {
        name,
        include: [`${dir}/test/**/*.test.ts`, `${dir}/*.test.ts`],
        exclude,
        testTimeout: 60_000,
        hookTimeout: 60_000,
        // A worker keeps what it imported from one file to the next (the test support, Chromium's
        // driver, the Kubernetes client): no test changes module state, and the imports were a
        // fifth of the run. Each file still starts its own servers and stops them.
        isolate: false,
      },
    })),
  },
});
