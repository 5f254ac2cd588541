// `npm test`: the unit and the integration tests in one vitest run, as two projects with their own
// configs (vitest.config.ts, vitest.integration.config.ts). One run shares its workers: the unit
// files fill the cores while the integration files wait on scrapes, sockets and processes, instead
// of running alone before them (that phase left a core idle for seconds), and vitest starts once.
import { defineConfig } from 'vitest/config';
import integration from './vitest.integration.config.js';

export default defineConfig({
  test: {
    // The integration run's limits and order hold for the whole run (the longest files first).
    maxWorkers: integration.test?.maxWorkers,
    sequence: integration.test?.sequence,
    projects: [
      { extends: './vitest.config.ts', test: { name: 'unit' } },
      { extends: './vitest.integration.config.ts', test: { name: 'integration' } },
    ],
  },
});
