import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticDirs {
  /** The page: index.html, its script and stylesheet. */
  page: string;
  /** URL prefix -> folder of the vendor assets (Bootstrap, Chart.js, the socket.io client). */
  vendor: Record<string, string>;
}

/**
 * Where the page and its vendor assets are, relative to this module. The build copies them
 * beside the bundle (dist/apps/frontend/public, vendor under public/vendor), so the bundle
 * serves everything itself. Run from source (tests that import createApp), the page is in
 * src/public and the vendor assets come straight from node_modules.
 */
export function staticDirs(moduleUrl: string = import.meta.url): StaticDirs {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const page = path.join(here, 'public');
  if (existsSync(path.join(page, 'vendor'))) return { page, vendor: {} };
  return {
    page,
    vendor: {
      '/vendor/bootstrap': path.join(findNodeModules(here, 'bootstrap'), 'bootstrap/dist'),
      '/vendor/chart.js': path.join(findNodeModules(here, 'chart.js'), 'chart.js/dist'),
      '/vendor/socket.io': path.join(findNodeModules(here, 'socket.io'), 'socket.io/client-dist'),
    },
  };
}

function findNodeModules(from: string, pkg: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules');
    if (existsSync(path.join(candidate, pkg))) return candidate;
    if (path.dirname(dir) === dir)
      throw new Error(`cannot find ${pkg} for the page's vendor assets; build the app (npx nx build frontend)`);
  }
}
