/** `nx build control-plane`: builds what the pins need into the cache, printing each step. */
import { ensureBuilt } from './build.js';

ensureBuilt().then(
  (build) => console.error(`control plane binaries in ${build.dir}`),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
