import { readFileSync, statSync, watch } from 'node:fs';
import path from 'node:path';
import { findVirtualService, readWeights } from '@string-hashr/kube-objects';
import { type Weights } from '@string-hashr/policy';

/** The weights of the (first) VirtualService in a YAML file that may hold several documents. */
export function weightsFromYaml(text: string): Weights {
  return readWeights(findVirtualService(text).vs);
}

/**
 * Keeps the weights of a VirtualService file current. The watcher replaces the file by rename,
 * which some fs.watch backends miss, so the file's mtime is also polled. A file that cannot be
 * read or parsed keeps the last good weights and is reported once.
 */
export function followWeights(
  file: string,
  onChange: (weights: Weights) => void,
  onError: (message: string) => void,
  pollMs = 250,
): { current(): Weights; close(): void } {
  let weights = weightsFromYaml(readFileSync(file, 'utf8'));
  let seen = statSync(file).mtimeMs;
  let lastError = '';
  const reload = () => {
    try {
      const mtime = statSync(file).mtimeMs;
      if (mtime === seen) return;
      const next = weightsFromYaml(readFileSync(file, 'utf8'));
      seen = mtime;
      lastError = '';
      if (next.primary !== weights.primary || next.burst !== weights.burst) {
        weights = next;
        onChange(weights);
      }
    } catch (err) {
      const message = `${file}: ${(err as Error).message}`;
      if (message !== lastError) onError(message);
      lastError = message;
    }
  };
  const watcher = watch(path.dirname(file), () => reload());
  const timer = setInterval(reload, pollMs);
  return {
    current: () => weights,
    close() {
      watcher.close();
      clearInterval(timer);
    },
  };
}
