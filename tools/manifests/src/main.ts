/**
 * Writes k8s/ and istio-manifests/ from tools/manifests/config.yaml.
 *
 *   npm run manifests                      # regenerate the committed files
 *   npm run manifests -- --check           # exit 1 if the committed files differ (CI)
 *   npm run manifests -- --registry R --tag T --out build/manifests   # a release's manifests
 */
import { run } from './cli.js';

try {
  process.exitCode = run(process.argv.slice(2));
} catch (err) {
  console.error(`manifests: ${(err as Error).message}`);
  process.exitCode = 1;
}
