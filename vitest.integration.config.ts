// Integration tests: `test/**/*.test.ts` of every project, and the tests at a tool's root whose
// subject is its scripts and files. They start real servers and processes on free ports (Redis,
// Prometheus, Chromium, kube-apiserver and etcd, the built apps) and wait for conditions, never
// for durations.
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
  'apps/istiowatcher/test/kubernetes-virtual-service.test.ts',
  'tools/simulate/test/model-vs-stack.test.ts',
  'tools/local-stack/test/terminal.test.ts',
  'tools/local-stack/test/stack.test.ts',
  'tools/local-stack/test/stack-modes.test.ts',
  'tools/local-stack/test/alerts.test.ts',
  'tools/cluster/cluster.test.ts',
  'apps/istiowatcher/test/kubernetes-http-route.test.ts',
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
  resolve: { alias },
  test: {
    // Eight files at a time on two cores: most of their time is waiting on processes, scrapes and
    // sockets, and no test asserts a duration (speed is measured by `npm run bench`). Fewer left the
    // cores idle behind the long files; more cost more in the workers' own imports than they gave back.
    maxWorkers: 8,
    sequence: { sequencer: LongestFirst },
    // One vitest project for every Nx project's files (`nx integration <project>` filters by its
    // folder): a worker is reused only within a vitest project, and with one per Nx project each
    // worker loaded the test support, Chromium's driver and the Kubernetes client again. One
    // project halved the summed import time and cut the run's CPU time by a tenth.
    include: nxProjects.flatMap(({ dir }) => [`${dir}/test/**/*.test.ts`, `${dir}/*.test.ts`]),
    exclude,
    // Hang guards, not durations under test: a file that starts a stack or a control plane can take
    // over a minute on a busy 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // A worker keeps what it imported from one file to the next: no test changes module state.
    // Each file still starts its own servers and stops them.
    isolate: false,
  },
});
