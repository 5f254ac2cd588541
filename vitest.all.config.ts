// `npm test`: the unit and the integration tests in one vitest run, as two projects with their own
// configs (vitest.config.ts, vitest.integration.config.ts). One run shares its workers and starts
// vitest once: the unit files take workers as they free up (vitest queues them after the
// integration files) instead of running alone first, a phase that left a core idle for seconds.
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
