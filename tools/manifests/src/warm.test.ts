// The watcher's warm-up through the burst cluster's API (BURST_WARM=min-replicas): off, nothing of
// it is deployed; on, the burst cluster gets the watcher's narrow identity and the primary's
// watcher mounts the kubeconfig Secret, optional.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { BURST_AUTOSCALER_ANNOTATIONS, SECRETS } from '@string-hashr/contract';
import { burstScalerRbacRules } from '@string-hashr/kube-objects';
import { DEFAULT_CONFIG_PATH, loadConfig, type ManifestConfig } from './config.js';
import { deployedDirs, generate, WARM_BURST_DIR } from './layout.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

const root = path.resolve(import.meta.dirname, '../../..');
const shipped = loadConfig(path.join(root, DEFAULT_CONFIG_PATH));
const configWith = (warm: string | undefined): ManifestConfig => {
  const { BURST_WARM: _, ...watcher } = shipped.watcher;
  return { ...shipped, watcher: warm === undefined ? watcher : { ...watcher, BURST_WARM: warm } };
};

/** The one object of `kind` (named `name`) in `docs`. */
function one(docs: Doc[], kind: string, name?: string): Doc {
  const found = docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''}`);
  return found;
}

function deployed(config: ManifestConfig) {
  const files = generate(config, 'test');
  const docsOf = (dirs: string[]) =>
    files
      .filter((f) => dirs.includes(path.dirname(f.path)) && f.path.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Doc));
  const primary = docsOf(deployedDirs(config, 'k8s/primary'));
  return {
    burst: docsOf(deployedDirs(config, 'k8s/burst')),
    watcher: one(primary, 'Deployment', 'istiowatcher'),
  };
}

describe('the warm-up through the burst cluster API', () => {
  it.each([undefined, 'off', 'metric'])('BURST_WARM=%s: no burst identity, no kubeconfig mount', (warm) => {
    const { burst, watcher } = deployed(configWith(warm));
    expect(burst.filter((d) => ['Role', 'RoleBinding', 'ServiceAccount', 'Secret'].includes(d.kind))).toEqual([
      expect.objectContaining({ kind: 'ServiceAccount', metadata: expect.objectContaining({ name: 'worker' }) }),
    ]);
    expect(JSON.stringify(watcher.spec.template.spec)).not.toMatch(/burst-kubeconfig|BURST_KUBECONFIG/);
  });

  it('BURST_WARM=min-replicas: the burst cluster has the Role of burstScalerRbacRules, bound to the watcher, and no token Secret', () => {
    const { burst } = deployed(configWith('min-replicas'));
    const role = one(burst, 'Role');
    expect(role.metadata.name).toBe('istiowatcher');
    expect(role.rules).toEqual(burstScalerRbacRules());
    expect(burst.find((d) => d.kind === 'RoleBinding')).toMatchObject({
      roleRef: { kind: 'Role', name: 'istiowatcher' },
      subjects: [{ kind: 'ServiceAccount', name: 'istiowatcher', namespace: 'default' }],
    });
    // deploy.sh asks the TokenRequest API for it (docs/deploy.md): no token that never expires.
    expect(burst.filter((d) => d.kind === 'Secret')).toEqual([]);
    expect(deployedDirs(configWith('min-replicas'), 'k8s/burst')).toContain(WARM_BURST_DIR);
  });

  it('BURST_WARM=min-replicas: the primary watcher reads BURST_KUBECONFIG from the optional Secret, read-only', () => {
    const { watcher } = deployed(configWith('min-replicas'));
    const pod = watcher.spec.template.spec;
    const volume = pod.volumes.find((v: Doc) => v.secret);
    expect(volume.secret).toEqual({ secretName: SECRETS.burstKubeconfig.name, optional: true, defaultMode: 0o440 });
    const mount = pod.containers[0].volumeMounts.find((m: Doc) => m.name === volume.name);
    expect(mount.readOnly).toBe(true);
    const variable = pod.containers[0].env.find((e: Doc) => e.name === 'BURST_KUBECONFIG');
    expect(variable.value).toBe(`${mount.mountPath}/${SECRETS.burstKubeconfig.key}`);
  });

  it("the burst autoscaler states its natural floor, config.yaml's minReplicas", () => {
    const config = { ...shipped, burstAutoscaling: { ...shipped.burstAutoscaling, minReplicas: 2 } };
    const hpa = one(deployed(config).burst, 'HorizontalPodAutoscaler');
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.metadata.annotations).toEqual({ [BURST_AUTOSCALER_ANNOTATIONS.naturalMinReplicas]: '2' });
  });
});
