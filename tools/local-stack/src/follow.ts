// Follows the watcher's GET /status and prints each weight change as one line (changes.ts says how).
import { WATCHER_STATUS_MAX_BYTES, parseWatcherStatus } from '@string-hashr/contract';
import { fetchJson } from '@string-hashr/runtime';
import { changeKey, changeLine, unprinted } from './changes.js';

/**
 * Polls `statusUrl` every `intervalMs` and writes the changes made since `since` (ms), each once.
 * A watcher that does not answer prints nothing here: its own log and the supervisor say why.
 * Returns a function that stops it.
 */
export function followChanges(
  statusUrl: string,
  options: { since: number; intervalMs?: number; write?: (line: string) => void },
): () => void {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const printed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const poll = async () => {
    const read = await fetchJson(statusUrl, {
      timeoutMs: 2000,
      maxBytes: WATCHER_STATUS_MAX_BYTES,
      name: 'the watcher',
    });
    const check = read.ok ? parseWatcherStatus(read.json) : undefined;
    if (!stopped && check?.ok)
      for (const change of unprinted(check.status, printed, options.since)) {
        printed.add(changeKey(change));
        write(changeLine(change));
      }
    if (!stopped) timer = setTimeout(() => void poll(), options.intervalMs ?? 1000);
  };
  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
