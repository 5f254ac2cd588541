// Runs a tick every interval (measured from each tick's start), never two at once. `wake` runs the
// next one now; `stop` lets the one in flight finish.
import type { Logger } from '@string-hashr/runtime';

export function tickLoop(
  tick: () => Promise<unknown>,
  options: { intervalMs: number; now: () => number; log: Logger },
) {
  const { intervalMs, now, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;

  async function loop(): Promise<void> {
    if (stopped) return;
    const started = now();
    current = tick().catch((err) => log.error(`tick failed: ${(err as Error).stack ?? err}`));
    await current;
    current = undefined;
    if (stopped) return;
    const next = () => {
      wake = undefined;
      void loop();
    };
    timer = setTimeout(next, Math.max(0, intervalMs - (now() - started)));
    wake = () => {
      clearTimeout(timer);
      next();
    };
  }

  return {
    start(): void {
      void loop();
    },
    /** The next tick now, if the loop is waiting for it. */
    wake(): void {
      wake?.();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      wake = undefined;
      await current;
    },
  };
}
