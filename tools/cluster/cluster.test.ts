// The cluster scripts cannot meet a real GKE here. What is checked: shellcheck, and each script
// run against fake gcloud/kubectl/istioctl/curl/npx that record every call: with --dry-run none
// may be called and the key commands must be printed; for real, checks come before creates and
// an existing resource is not created again.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'tools/cluster');
const scripts = readdirSync(dir).filter((f) => f.endsWith('.sh'));
const FAKED = ['gcloud', 'kubectl', 'istioctl', 'curl', 'npx'];

const fakes = mkdtempSync(path.join(tmpdir(), 'cluster-fakes-'));
const log = path.join(fakes, 'calls.log');
// Each fake records its call. FAKE_FORBID=1 makes any call fail the script; FAKE_EXISTING=1 makes
// every describe/get succeed (everything exists); list queries answer like a two-cluster project.
for (const tool of FAKED) {
  const file = path.join(fakes, tool);
  writeFileSync(
    file,
    `#!/usr/bin/env bash
echo "${tool} $*" >> "${log}"
[[ \${FAKE_FORBID:-0} == 1 ]] && { echo "fake ${tool} called in a dry run" >&2; exit 97; }
case "$*" in
  *" describe "*|*"get namespace"*) [[ \${FAKE_EXISTING:-0} == 1 ]]; exit ;;
  *"clusters list"*) printf '10.0.0.0/14\\n10.4.0.0/14\\n10.0.0.0/14\\n' ;;
  *"instances list"*) printf 'gke-primary-1a2b-node\\ngke-burst-3c4d-node\\n' ;;
  *"config get-value project"*) echo from-gcloud ;;
  *"jsonpath={.status.loadBalancer"*) echo 203.0.113.7 ;;
  *"version --remote=false"*) echo 1.28.0 ;;
esac
exit 0
`,
  );
  chmodSync(file, 0o755);
}
afterAll(() => rmSync(fakes, { recursive: true, force: true }));

function runScript(script: string, args: string[], env: Record<string, string> = {}) {
  writeFileSync(log, '');
  const result = spawnSync('bash', [path.join(dir, script), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${fakes}:${process.env.PATH}`, PROJECT_ID: '', ISTIO_VERSION: '1.28.0', ...env },
    timeout: 30_000,
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { status: result.status, output: result.stdout + result.stderr, calls };
}

const hasShellcheck = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;

describe('shellcheck', () => {
  it('has shellcheck to check with (apt-get install shellcheck)', () => expect(hasShellcheck).toBe(true));

  it.each(scripts)('%s is clean', (script) => {
    const result = spawnSync('shellcheck', ['-x', path.join(dir, script)], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('--dry-run prints the commands and runs none of them', () => {
  const dry = (script: string, ...args: string[]) => {
    const result = runScript(script, ['--dry-run', '--project', 'demo', ...args], { FAKE_FORBID: '1' });
    expect(result.calls, `${script} called a tool in a dry run`).toEqual([]);
    expect(result.status, result.output).toBe(0);
    return result.output;
  };

  it('create-clusters.sh: APIs, registry, primary (4 nodes), burst (autoscaling 1-5), firewall between pod ranges', () => {
    const out = dry('create-clusters.sh');
    expect(out).toContain(
      '+ gcloud services enable container.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com',
    );
    expect(out).toContain(
      '+ gcloud artifacts repositories create string-hashr --repository-format docker --location us-west1',
    );
    expect(out).toMatch(/\+ gcloud container clusters create primary --zone us-west1-a .* --num-nodes 4\n/);
    expect(out).toMatch(
      /\+ gcloud container clusters create burst --zone us-west1-a .* --num-nodes 1 --enable-autoscaling --min-nodes 1 --max-nodes 5\n/,
    );
    expect(out).toContain('+ gcloud container clusters get-credentials primary --zone us-west1-a --project demo');
    expect(out).toContain('+ gcloud container clusters get-credentials burst --zone us-west1-a --project demo');
    expect(out).toMatch(
      /\+ gcloud compute firewall-rules create string-hashr-istio-multicluster-pods .*--source-ranges '<primary pod range>,<burst pod range>'/,
    );
    // every create is preceded by its check
    expect(out.indexOf('clusters describe primary')).toBeLessThan(out.indexOf('clusters create primary'));
  });

  it('install-istio.sh: primary, east-west gateway, remote, remote secret, Prometheus, injection', () => {
    const out = dry('install-istio.sh');
    const istioctl = path.join(root, 'tmp/istio/istio-1.28.0/bin/istioctl');
    expect(out).toContain('curl -fsSL https://istio.io/downloadIstio | ISTIO_VERSION=1.28.0');
    expect(out).toContain(
      `+ ${istioctl} install -y --context gke_demo_us-west1-a_primary -f ${root}/istio-manifests/install/primary.yaml`,
    );
    expect(out).toContain(
      `+ ${istioctl} install -y --context gke_demo_us-west1-a_primary -f ${root}/istio-manifests/install/eastwest-gateway.yaml`,
    );
    expect(out).toContain(
      `+ kubectl --context gke_demo_us-west1-a_primary apply -f ${root}/istio-manifests/install/expose-istiod.yaml`,
    );
    expect(out).toContain('annotate namespace istio-system topology.istio.io/controlPlaneClusters=primary --overwrite');
    expect(out).toContain(
      `+ ${istioctl} install -y --context gke_demo_us-west1-a_burst -f ${root}/istio-manifests/install/remote.yaml --set 'values.global.remotePilotAddress=<east-west gateway IP>'`,
    );
    expect(out).toContain(
      `+ ${istioctl} create-remote-secret --context gke_demo_us-west1-a_burst --name burst | kubectl --context gke_demo_us-west1-a_primary apply -f -`,
    );
    expect(out).toContain('samples/addons/prometheus.yaml');
    for (const ctx of ['primary', 'burst'])
      expect(out).toContain(
        `+ kubectl --context gke_demo_us-west1-a_${ctx} label namespace default istio-injection=enabled`,
      );
    for (const file of ['primary.yaml', 'eastwest-gateway.yaml', 'expose-istiod.yaml', 'remote.yaml'])
      expect(existsSync(path.join(root, 'istio-manifests/install', file)), file).toBe(true);
  });

  it('deploy.sh: renders the manifests for the tag, applies burst, primary and Istio, waits, prints the page address', () => {
    const out = dry('deploy.sh', '--tag', 'abc1234');
    const rendered = path.join(root, 'tmp/manifests-abc1234');
    expect(out).toContain(`--registry us-west1-docker.pkg.dev/demo/string-hashr --tag abc1234 --out ${rendered}`);
    expect(out).toContain(`+ kubectl --context gke_demo_us-west1-a_burst apply -k ${rendered}/k8s/burst`);
    expect(out).toContain(`+ kubectl --context gke_demo_us-west1-a_primary apply -k ${rendered}/k8s/primary`);
    expect(out).toContain(`+ kubectl --context gke_demo_us-west1-a_primary apply -k ${rendered}/istio-manifests`);
    expect(out).toContain('rollout status deployment/frontend-deployment');
    expect(out.indexOf('k8s/burst')).toBeLessThan(out.indexOf('k8s/primary'));
    // Secrets before the pods that need them, each made from a pipe: no secret in a printed command.
    expect(out).toContain(
      "+ head -c 32 /dev/urandom | base64 | tr -d '+/=\\n' | kubectl --context gke_demo_us-west1-a_primary -n default create secret generic frontend-control-key --from-file=CONTROL_KEY=/dev/stdin",
    );
    expect(out).toContain('create secret generic redis-password --from-file=REDIS_PASSWORD=/dev/stdin');
    expect(out).toMatch(
      /get secret redis-password -o 'jsonpath=\{\.data\.REDIS_PASSWORD\}' \| base64 -d \| kubectl --context gke_demo_us-west1-a_burst .*--dry-run=client -o yaml \| kubectl --context gke_demo_us-west1-a_burst apply -f -/,
    );
    expect(out).toContain('create secret tls frontend-tls --cert=tls.crt --key=tls.key');
    expect(out.indexOf('create secret')).toBeLessThan(out.indexOf('apply -k'));
    // The page's link with the key, once, at the end.
    expect(out).toContain('# open https://<ingress IP>/#key=<control key> (this link is shown once');
    expect(out.match(/#key=/g)).toHaveLength(1);
  });

  it('teardown.sh: load balancers, clusters, firewall rule, and the registry only when asked', () => {
    const out = dry('teardown.sh');
    expect(out).toContain('+ gcloud container clusters delete primary --zone us-west1-a --project demo --quiet');
    expect(out).toContain('+ gcloud container clusters delete burst --zone us-west1-a --project demo --quiet');
    expect(out).toContain('+ gcloud compute firewall-rules delete string-hashr-istio-multicluster-pods');
    expect(out).not.toContain('repositories delete');
    expect(dry('teardown.sh', '--delete-images')).toContain('+ gcloud artifacts repositories delete string-hashr');
  });

  it('up.sh runs the three steps', () => {
    const out = dry('up.sh');
    for (const text of ['clusters create primary', 'create-remote-secret', 'apply -k']) expect(out).toContain(text);
  });

  it('rejects unknown flags', () => {
    const result = runScript('create-clusters.sh', ['--dry-run', '--bogus'], { FAKE_FORBID: '1' });
    expect(result.status).toBe(2);
    expect(result.calls).toEqual([]);
  });
});

describe('for real (against the fakes): idempotent', () => {
  it('creates what is missing, each after its check, with the firewall built from the clusters pod ranges', () => {
    const { status, calls, output } = runScript('create-clusters.sh', ['--project', 'demo']);
    expect(status, output).toBe(0);
    const at = (text: string) => calls.findIndex((c) => c.includes(text));
    expect(at('clusters describe primary')).toBeGreaterThanOrEqual(0);
    expect(at('clusters describe primary')).toBeLessThan(at('clusters create primary'));
    expect(calls).toContainEqual(
      expect.stringMatching(
        /firewall-rules create .*--source-ranges 10\.0\.0\.0\/14,10\.4\.0\.0\/14 --target-tags gke-burst-3c4d-node,gke-primary-1a2b-node/,
      ),
    );
    // and every command run was printed first
    for (const call of calls.filter((c) => !c.includes(' describe ') && !c.includes(' list ')))
      expect(output).toContain(`+ ${call}`);
  });

  it('creates nothing that exists', () => {
    const { status, calls } = runScript('create-clusters.sh', ['--project', 'demo'], { FAKE_EXISTING: '1' });
    expect(status).toBe(0);
    expect(calls.filter((c) => / create /.test(c))).toEqual([]);
  });

  it('takes the project from gcloud when none is given', () => {
    const { status, output } = runScript('create-clusters.sh', [], { FAKE_EXISTING: '1' });
    expect(status).toBe(0);
    expect(output).toContain('get-credentials primary --zone us-west1-a --project from-gcloud');
  });

  it('install-istio.sh runs through: istioctl from PATH, gateway address passed to the remote install', () => {
    const { status, calls, output } = runScript('install-istio.sh', ['--project', 'demo']);
    expect(status, output).toBe(0);
    expect(calls).toContainEqual(
      expect.stringMatching(
        /^istioctl install -y --context gke_demo_us-west1-a_burst -f .*remote\.yaml --set values\.global\.remotePilotAddress=203\.0\.113\.7$/,
      ),
    );
    expect(calls).toContainEqual('istioctl create-remote-secret --context gke_demo_us-west1-a_burst --name burst');
    expect(calls).toContainEqual('kubectl --context gke_demo_us-west1-a_primary apply -f -');
    // the namespaces did not exist (the fake says so): created, then labelled
    expect(
      calls.indexOf('kubectl --context gke_demo_us-west1-a_primary create namespace istio-system'),
    ).toBeGreaterThanOrEqual(0);
  });

  it('deploy.sh runs through: renders, applies burst before primary, prints the page address', () => {
    const { status, calls, output } = runScript('deploy.sh', ['--project', 'demo', '--tag', 't1']);
    expect(status, output).toBe(0);
    const applies = calls.filter((c) => c.includes(' apply -k '));
    expect(applies.map((c) => c.split('/').slice(-2).join('/'))).toEqual([
      'k8s/burst',
      'k8s/primary',
      'manifests-t1/istio-manifests',
    ]);
    expect(calls[0]).toMatch(/^npx .*--registry us-west1-docker\.pkg\.dev\/demo\/string-hashr --tag t1 --out /);
    // The secrets exist (the fake answers every get): kept, and the link without the key.
    // Only burst's copy of the Redis password is rendered (client side) and applied, every time.
    expect(calls.filter((c) => c.includes('create secret') && !c.includes('--dry-run=client'))).toEqual([]);
    expect(calls).toContainEqual('kubectl --context gke_demo_us-west1-a_burst apply -f -');
    expect(output).toContain('open https://203.0.113.7/ (read-only)');
  });

  it('teardown deletes nothing that is gone', () => {
    const { status, calls } = runScript('teardown.sh', ['--project', 'demo', '--delete-images']);
    expect(status).toBe(0);
    expect(calls.filter((c) => / delete /.test(c))).toEqual([]);
  });
});
