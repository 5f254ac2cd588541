/**
 * Draws at once when asked rarely and at most once every `everyMs` when asked often: no one reads
 * rows faster, and each draw costs the browser a layout and a paint. A draw serves every request
 * made before it. `now` and `setTimer` are the browser's unless a test passes its own clock.
 */
export function createDrawPacer({
  everyMs,
  draw,
  now = () => performance.now(),
  setTimer = (run, ms) => setTimeout(run, ms),
}) {
  let timer = null;
  let drawnAt = -Infinity;
  const run = () => {
    timer = null;
    drawnAt = now();
    draw();
  };
  return {
    // A timer even for a draw due now: what comes in the same turn is drawn together.
    request() {
      if (timer === null) timer = setTimer(run, Math.max(0, drawnAt + everyMs - now()));
    },
  };
}
