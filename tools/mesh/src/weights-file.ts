import { readFileSync, statSync, watch } from 'node:fs';
import path from 'node:path';
import type { RouteKind } from '@string-hashr/contract';
import { findRoute, routeFlavour } from '@string-hashr/kube-objects';
import { type Weights } from '@string-hashr/policy';

/** The worker route as the stand-in follows it: which kind, and its weights. */
export interface FollowedRoute {
  kind: RouteKind;
  weights: Weights;
}

/** The first worker route (a VirtualService or an HTTPRoute) in a YAML file that may hold several documents. */
export function routeFromYaml(text: string): FollowedRoute {
  const { kind, route } = findRoute(text);
  return { kind, weights: routeFlavour(kind).read(route) };
}

/** The weights of the first worker route in a YAML file. */
export function weightsFromYaml(text: string): Weights {
  return routeFromYaml(text).weights;
}

/**
 * Keeps the weights (and the kind) of a route file current. The watcher replaces the file by
 * rename, which some fs.watch backends miss, so the file's mtime is also polled. A file that
 * cannot be read or parsed keeps the last good weights and is reported once.
 */
export function followWeights(
  file: string,
  onChange: (weights: Weights) => void,
  onError: (message: string) => void,
  pollMs = 250,
): { current(): Weights; kind(): RouteKind; close(): void } {
  let { weights, kind } = routeFromYaml(readFileSync(file, 'utf8'));
  let seen = statSync(file).mtimeMs;
  let lastError = '';
  const reload = () => {
    try {
      const mtime = statSync(file).mtimeMs;
      if (mtime === seen) return;
      const { weights: next, kind: nextKind } = routeFromYaml(readFileSync(file, 'utf8'));
      seen = mtime;
      lastError = '';
      kind = nextKind;
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
    kind: () => kind,
    close() {
      watcher.close();
      clearInterval(timer);
    },
  };
}
