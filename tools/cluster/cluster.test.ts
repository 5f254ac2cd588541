// The cluster scripts cannot meet a real GKE here. What is checked (shellcheck: tools/build/test/lint.test.ts):
// each script run against fake gcloud/kubectl/istioctl/curl/node that record every call: with --dry-run none
// may be called and the key commands must be printed; for real, checks come before creates and
// an existing resource is not created again. deploy.sh also runs with the built kubectl against
// two real API servers (primary and burst, tools/control-plane), to show that deploying again
// during a burst leaves the worker VirtualService as the istiowatcher set it.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SECRETS, SERVICE_ACCOUNTS } from '@string-hashr/contract';
import { describeResult, startControlPlane, type AuditEvent, type TestControlPlane } from '@string-hashr/testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'tools/cluster');
/** The defaults pinned in lib.sh, the one place they are set. */
const pinned = (name: string) =>
  new RegExp(`^${name}=\\$\\{${name}:-([^}]+)\\}$`, 'm').exec(readFileSync(path.join(dir, 'lib.sh'), 'utf8'))?.[1] ??
  '';
const ISTIO_VERSION = pinned('ISTIO_VERSION');
const GATEWAY_API_VERSION = pinned('GATEWAY_API_VERSION');
const FAKED = ['gcloud', 'kubectl', 'istioctl', 'curl', 'node'];

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
  *"get crd httproutes.gateway.networking.k8s.io"*) echo "\${FAKE_GATEWAY_API:-}" ;;
  *"version --remote=false"*) echo ${ISTIO_VERSION} ;;
esac
exit 0
`,
  );
  chmodSync(file, 0o755);
}
// A uname that reports FAKE_MACHINE for -m, kept apart from the recording fakes (a dry run may ask the machine's architecture).
const machine = path.join(fakes, 'machine');
mkdirSync(machine);
writeFileSync(
  path.join(machine, 'uname'),
  `#!/usr/bin/env bash\nif [[ $1 == -m ]]; then echo "$FAKE_MACHINE"; else exec /usr/bin/env -u FAKE_MACHINE PATH=/usr/bin:/bin uname "$@"; fi\n`,
);
chmodSync(path.join(machine, 'uname'), 0o755);
afterAll(() => rmSync(fakes, { recursive: true, force: true }));

function runScript(script: string, args: string[], env: Record<string, string> = {}, scriptDir = dir) {
  writeFileSync(log, '');
  const result = spawnSync('bash', [path.join(scriptDir, script), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${fakes}:${process.env.PATH}`,
      PROJECT_ID: '',
      ISTIO_VERSION: '',
      GATEWAY_API_VERSION: '',
      ISTIO_ARCH: '',
      TAG: '',
      ...env,
    },
    timeout: 30_000,
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { status: result.status, output: result.stdout + result.stderr, calls };
}

describe('the versions, pinned in lib.sh', () => {
  it('Istio 1.31, a patch release of the current minor (never 1.30.0-1.30.2: istio/istio#60629)', () => {
    expect(ISTIO_VERSION).toMatch(/^1\.31\.\d+$/);
  });

  it('the Gateway API CRDs of the version Istio 1.31 is built against', () => {
    expect(GATEWAY_API_VERSION).toBe('v1.6.0');
  });

  it('the same Istio and Gateway API releases as the CRDs the local control plane installs', () => {
    const pins = JSON.parse(readFileSync(path.join(root, 'tools/control-plane/versions.json'), 'utf8')) as {
      istioApi: string;
      gatewayApi: string;
    };
    expect(`v${ISTIO_VERSION}`).toBe(pins.istioApi);
    expect(GATEWAY_API_VERSION).toBe(pins.gatewayApi);
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
    const istioctl = path.join(root, `tmp/istio/istio-${ISTIO_VERSION}/bin/istioctl`);
    const istioDir = path.join(root, `tmp/istio/istio-${ISTIO_VERSION}`);
    expect(out).toContain(`curl -fsSL https://istio.io/downloadIstio | ISTIO_VERSION=${ISTIO_VERSION}`);
    // Before anything is installed: Istio's precheck, then the Gateway API CRDs, on both clusters.
    const firstInstall = out.indexOf(`${istioctl} install`);
    for (const ctx of ['primary', 'burst']) {
      const precheck = out.indexOf(`+ ${istioctl} x precheck --context gke_demo_us-west1-a_${ctx}\n`);
      const crds = out.indexOf(
        `+ kubectl --context gke_demo_us-west1-a_${ctx} apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml\n`,
      );
      expect(precheck, ctx).toBeGreaterThanOrEqual(0);
      expect(precheck).toBeLessThan(crds);
      expect(crds).toBeLessThan(firstInstall);
    }
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
    expect(out).toContain(
      `+ kubectl --context gke_demo_us-west1-a_primary apply -f ${istioDir}/samples/addons/prometheus.yaml\n` +
        `+ kubectl --context gke_demo_us-west1-a_primary -n istio-system patch configmap prometheus --type merge --patch-file ${root}/istio-manifests/addons/prometheus-patch.yaml\n`,
    );
    expect(out).toContain(
      `+ kubectl --context gke_demo_us-west1-a_primary apply -f ${istioDir}/samples/addons/grafana.yaml\n` +
        `+ kubectl --context gke_demo_us-west1-a_primary apply -f ${root}/istio-manifests/addons/grafana-dashboards.yaml\n` +
        `+ kubectl --context gke_demo_us-west1-a_primary -n istio-system patch deployment grafana --type strategic --patch-file ${root}/istio-manifests/addons/grafana-patch.yaml\n` +
        '+ kubectl --context gke_demo_us-west1-a_primary -n istio-system rollout status deployment/grafana --timeout 300s\n',
    );
    expect(out).toContain(
      `# open Grafana (dashboard String Hashr / String Hashr: burst): ${istioctl} dashboard grafana`,
    );
    // Kiali and Jaeger only when asked
    for (const text of ['kiali.yaml', 'jaeger.yaml', 'tracing.yaml']) expect(out).not.toContain(text);
    expect(out).toContain('# Kiali and Jaeger not installed (--with-kiali-jaeger adds them)');
    for (const ctx of ['primary', 'burst'])
      expect(out).toContain(
        `+ kubectl --context gke_demo_us-west1-a_${ctx} label namespace default istio-injection=enabled`,
      );
    for (const file of ['primary.yaml', 'eastwest-gateway.yaml', 'expose-istiod.yaml', 'remote.yaml'])
      expect(existsSync(path.join(root, 'istio-manifests/install', file)), file).toBe(true);
  });

  it('install-istio.sh --with-kiali-jaeger: also Jaeger, Kiali and the Telemetry that turns tracing on, and how to open them', () => {
    const out = dry('install-istio.sh', '--with-kiali-jaeger');
    const istioctl = path.join(root, `tmp/istio/istio-${ISTIO_VERSION}/bin/istioctl`);
    const apply = (file: string) => `+ kubectl --context gke_demo_us-west1-a_primary apply -f ${file}`;
    const addons = path.join(root, `tmp/istio/istio-${ISTIO_VERSION}/samples/addons`);
    expect(out).toContain(apply(`${addons}/jaeger.yaml`));
    expect(out).toContain(apply(`${addons}/kiali.yaml`));
    expect(out).toContain(apply(`${root}/istio-manifests/addons/tracing.yaml`));
    expect(out).toContain(apply(`${addons}/grafana.yaml`));
    expect(out.indexOf('jaeger.yaml')).toBeLessThan(out.indexOf('addons/tracing.yaml'));
    expect(out).toContain(
      `# open Kiali: ${istioctl} dashboard kiali --context gke_demo_us-west1-a_primary; Jaeger: ${istioctl} dashboard jaeger --context gke_demo_us-west1-a_primary`,
    );
    expect(out).not.toContain('Kiali and Jaeger not installed');
    for (const file of ['grafana-dashboards.yaml', 'grafana-patch.yaml', 'string-hashr-burst.json', 'tracing.yaml'])
      expect(existsSync(path.join(root, 'istio-manifests/addons', file)), file).toBe(true);
  });

  it('deploy.sh: renders the manifests for the tag, applies burst, primary and Istio, waits, prints the page address', () => {
    const out = dry('deploy.sh', '--tag', 'abc1234');
    const rendered = path.join(root, 'tmp/manifests-abc1234');
    expect(out).toContain(`--registry us-west1-docker.pkg.dev/demo/string-hashr --tag abc1234 --out ${rendered}`);
    expect(out).toContain(`+ kubectl --context gke_demo_us-west1-a_burst apply -k ${rendered}/k8s/burst`);
    expect(out).toContain(`+ kubectl --context gke_demo_us-west1-a_primary apply -k ${rendered}/k8s/primary`);
    expect(out).toContain(`+ kubectl --context gke_demo_us-west1-a_primary apply -k ${rendered}/istio-manifests`);
    // The worker VirtualService: checked for, then created only when absent (the dry run assumes absent).
    expect(out).toContain(
      '+ kubectl --context gke_demo_us-west1-a_primary -n default get virtualservices.networking.istio.io worker-virtual-service -o name  # check',
    );
    expect(out).toContain(
      `+ kubectl --context gke_demo_us-west1-a_primary create -f ${rendered}/istio-manifests/states/natural.yaml`,
    );
    expect(out).not.toMatch(/apply .*states\//);
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
    // config.yaml's watcher warms the burst side: its kubeconfig there, a token piped from the burst
    // cluster's TokenRequest API into the Secret in primary, after burst's apply, before primary's.
    const token = out.indexOf(
      '+ kubectl --context gke_demo_us-west1-a_burst -n default create token istiowatcher --duration 8760h -o json | node ',
    );
    expect(token).toBeGreaterThan(out.indexOf(`apply -k ${rendered}/k8s/burst`));
    expect(token).toBeLessThan(out.indexOf(`apply -k ${rendered}/k8s/primary`));
    expect(out).toContain(
      `tools/cluster/src/burst-kubeconfig-main.ts --cluster "$(kubectl config view --raw --minify --flatten --context gke_demo_us-west1-a_burst -o 'jsonpath={.clusters[0].cluster}')" --namespace default | kubectl --context gke_demo_us-west1-a_primary apply --server-side --field-manager deploy -f -\n`,
    );
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

describe('flags', () => {
  const dryRun = (script: string, args: string[], env: Record<string, string> = {}) =>
    runScript(script, ['--dry-run', '--project', 'demo', ...args], { FAKE_FORBID: '1', ...env });

  it('up.sh --tag/--registry: every step runs, and deploy.sh gets them', () => {
    const { status, output, calls } = dryRun('up.sh', ['--tag', 'abc1234', '--registry', 'example.com/hashr']);
    expect(calls).toEqual([]);
    expect(status, output).toBe(0);
    expect(output).toContain('+ gcloud container clusters create primary');
    expect(output).toContain('create-remote-secret');
    expect(output).toContain(
      `--registry example.com/hashr --tag abc1234 --out ${path.join(root, 'tmp/manifests-abc1234')}`,
    );
  });

  it('up.sh --with-kiali-jaeger: install-istio.sh gets it', () => {
    const { status, output } = dryRun('up.sh', ['--with-kiali-jaeger', '--tag', 't1']);
    expect(status, output).toBe(0);
    expect(output).toContain('samples/addons/kiali.yaml');
    expect(output).toContain('--tag t1 --out');
    expect(dryRun('up.sh', ['--tag', 't1']).output).not.toContain('kiali.yaml');
  });

  it('up.sh gives every step the same project and zone', () => {
    const { status, output } = dryRun('up.sh', ['--zone', 'europe-west1-b', '--tag', 't1']);
    expect(status, output).toBe(0);
    expect(output).toContain('+ gcloud container clusters get-credentials burst --zone europe-west1-b --project demo');
    expect(output).toContain('+ kubectl --context gke_demo_europe-west1-b_primary apply -f');
    expect(output).toContain('+ kubectl --context gke_demo_europe-west1-b_burst apply -k');
  });

  it.each([
    ['up.sh', '--delete-images'],
    ['create-clusters.sh', '--tag'],
    ['install-istio.sh', '--registry'],
    ['deploy.sh', '--with-kiali-jaeger'],
    ['create-clusters.sh', '--with-kiali-jaeger'],
  ])('%s refuses %s, which it does not use, before doing anything', (script, flag) => {
    const { status, output } = dryRun(script, [flag, 'x']);
    expect(status).toBe(2);
    expect(output).toContain(`unknown argument: ${flag}`);
    expect(output).toContain(`usage: tools/cluster/${script}`);
    expect(output).not.toContain('==');
  });

  it.each([
    ['deploy.sh', ['--tag']],
    ['deploy.sh', ['--registry']],
    ['deploy.sh', ['--tag', '--dry-run']],
    ['deploy.sh', ['--tag', '']],
    ['up.sh', ['--tag']],
    ['create-clusters.sh', ['--zone']],
    ['teardown.sh', ['--zone', '--delete-images']],
  ])('%s %j: says which flag needs a value, exits 2 with the usage', (script, args) => {
    const { status, output, calls } = runScript(script, ['--project', 'demo', ...args], { FAKE_FORBID: '1' });
    expect(calls).toEqual([]);
    expect(status).toBe(2);
    expect(output).toContain(`${args[0]} needs a value\nusage: tools/cluster/${script}`);
    expect(output).not.toContain('unbound variable');
  });

  it.each(['create-clusters.sh', 'install-istio.sh', 'deploy.sh', 'teardown.sh', 'up.sh'])(
    '%s --project with no value: says so, exits 2',
    (script) => {
      const { status, output, calls } = runScript(script, ['--dry-run', '--project'], { FAKE_FORBID: '1' });
      expect(calls).toEqual([]);
      expect(status).toBe(2);
      expect(output).toContain(`--project needs a value\nusage: tools/cluster/${script}`);
    },
  );
});

describe('Istio download architecture', () => {
  it.each([
    ['x86_64', 'amd64'],
    ['amd64', 'amd64'],
    ['aarch64', 'arm64'],
    ['arm64', 'arm64'],
    ['armv8l', 'arm64'],
    ['armv7l', 'armv7'],
  ])('istio_arch %s -> %s', (machine, expected) => {
    const result = spawnSync('bash', ['-c', `source ${path.join(dir, 'lib.sh')} && istio_arch "$1"`, 'test', machine], {
      encoding: 'utf8',
    });
    expect(result.stdout.trim()).toBe(expected);
    expect(result.status).toBe(0);
  });

  const download = (env: Record<string, string>) =>
    runScript('install-istio.sh', ['--dry-run', '--project', 'demo'], {
      PATH: `${machine}:${fakes}:${process.env.PATH}`,
      FAKE_FORBID: '1',
      ...env,
    });

  it.each([
    ['this machine (aarch64)', { FAKE_MACHINE: 'aarch64' }, 'arm64'],
    ['this machine (x86_64)', { FAKE_MACHINE: 'x86_64' }, 'amd64'],
    ['ISTIO_ARCH overrides it', { FAKE_MACHINE: 'aarch64', ISTIO_ARCH: 'amd64' }, 'amd64'],
  ])('downloads istioctl for %s', (_, env, arch) => {
    const { status, output } = download(env);
    expect(status, output).toBe(0);
    expect(output).toContain(`| ISTIO_VERSION=${ISTIO_VERSION} TARGET_ARCH=${arch} sh -`);
  });

  it.each([
    [
      'a machine Istio has no build for',
      { FAKE_MACHINE: 'riscv64' },
      'error: Istio has no download for this machine (riscv64): set ISTIO_ARCH to amd64, arm64 or armv7',
    ],
    [
      'a wrong ISTIO_ARCH',
      { FAKE_MACHINE: 'x86_64', ISTIO_ARCH: 'x86_64' },
      'error: ISTIO_ARCH=x86_64: expected amd64, arm64 or armv7',
    ],
  ])('stops on %s, naming the variable', (_, env, message) => {
    const { status, output } = download(env);
    expect(status).toBe(1);
    expect(output).toContain(message);
    expect(output).not.toContain('downloadIstio');
  });
});

describe('the tag deploy.sh deploys', () => {
  it('defaults to the commit (git rev-parse --short HEAD), the tag Cloud Build gives it', () => {
    const head = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
    expect(head).toMatch(/^[0-9a-f]{7,}$/);
    const { status, output } = runScript('deploy.sh', ['--dry-run', '--project', 'demo'], { FAKE_FORBID: '1' });
    expect(status, output).toBe(0);
    expect(output).toContain(`--tag ${head} --out ${path.join(root, `tmp/manifests-${head}`)}`);
  });

  it('TAG from the environment, --tag over it', () => {
    expect(
      runScript('deploy.sh', ['--dry-run', '--project', 'demo'], { FAKE_FORBID: '1', TAG: 'from-env' }).output,
    ).toContain('--tag from-env --out');
    expect(
      runScript('deploy.sh', ['--dry-run', '--project', 'demo', '--tag', 'v2'], { FAKE_FORBID: '1', TAG: 'from-env' })
        .output,
    ).toContain('--tag v2 --out');
  });

  it.each([
    ['off', 'BURST_WARM: off'],
    ['unset', ''],
  ])('BURST_WARM %s in config.yaml: no burst token, no kubeconfig Secret', (_name, line) => {
    const copy = mkdtempSync(path.join(tmpdir(), 'cluster-nowarm-'));
    try {
      mkdirSync(path.join(copy, 'tools/cluster'), { recursive: true });
      mkdirSync(path.join(copy, 'tools/manifests'), { recursive: true });
      for (const script of ['lib.sh', 'deploy.sh'])
        copyFileSync(path.join(dir, script), path.join(copy, 'tools/cluster', script));
      const config = readFileSync(path.join(root, 'tools/manifests/config.yaml'), 'utf8');
      expect(config).toMatch(/^ {2}BURST_WARM: min-replicas$/m);
      writeFileSync(
        path.join(copy, 'tools/manifests/config.yaml'),
        config.replace(/^ {2}BURST_WARM: min-replicas\n/m, line ? `  ${line}\n` : ''),
      );
      const { status, output } = runScript(
        'deploy.sh',
        ['--dry-run', '--project', 'demo', '--tag', 't1'],
        { FAKE_FORBID: '1' },
        path.join(copy, 'tools/cluster'),
      );
      expect(status, output).toBe(0);
      expect(output).toContain('apply -k');
      expect(output).not.toContain('create token');
      expect(output).not.toContain('istiowatcher-burst-kubeconfig');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('outside a git checkout and without --tag: says to pass --tag', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'cluster-nogit-'));
    try {
      mkdirSync(path.join(copy, 'tools/cluster'), { recursive: true });
      for (const script of ['lib.sh', 'deploy.sh'])
        copyFileSync(path.join(dir, script), path.join(copy, 'tools/cluster', script));
      const { status, output } = runScript(
        'deploy.sh',
        ['--dry-run', '--project', 'demo'],
        { FAKE_FORBID: '1', GIT_CEILING_DIRECTORIES: tmpdir() },
        path.join(copy, 'tools/cluster'),
      );
      expect(status).toBe(1);
      expect(output).toContain(
        `error: no --tag, and ${copy} is not a git checkout to take the commit's tag from: pass --tag`,
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it.each([
    [
      'gateway-api',
      'httproutes.gateway.networking.k8s.io worker-route',
      'istio-manifests/states/gateway-api/natural.yaml',
    ],
    [
      'virtualservice',
      'virtualservices.networking.istio.io worker-virtual-service',
      'istio-manifests/states/natural.yaml',
    ],
  ])(
    'routing: %s in config.yaml: the worker route of that flavour, created only when absent',
    (routing, route, state) => {
      const copy = mkdtempSync(path.join(tmpdir(), 'cluster-routing-'));
      try {
        mkdirSync(path.join(copy, 'tools/cluster'), { recursive: true });
        mkdirSync(path.join(copy, 'tools/manifests'), { recursive: true });
        for (const script of ['lib.sh', 'deploy.sh'])
          copyFileSync(path.join(dir, script), path.join(copy, 'tools/cluster', script));
        const config = readFileSync(path.join(root, 'tools/manifests/config.yaml'), 'utf8');
        writeFileSync(
          path.join(copy, 'tools/manifests/config.yaml'),
          config.replace(/^routing: .*$/m, `routing: ${routing}`),
        );
        const { status, output } = runScript(
          'deploy.sh',
          ['--dry-run', '--project', 'demo', '--tag', 't1'],
          { FAKE_FORBID: '1' },
          path.join(copy, 'tools/cluster'),
        );
        expect(status, output).toBe(0);
        expect(output).toContain(
          `+ kubectl --context gke_demo_us-west1-a_primary -n default get ${route} -o name  # check`,
        );
        expect(output).toContain(
          `+ kubectl --context gke_demo_us-west1-a_primary create -f ${path.join(copy, 'tmp/manifests-t1', state)}\n`,
        );
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    },
  );

  it.each(['../../etc', 'a b', '-x', '.hidden'])('refuses %j, which is not an image tag', (tag) => {
    const { status, output } = runScript('deploy.sh', ['--dry-run', '--project', 'demo'], {
      FAKE_FORBID: '1',
      TAG: tag,
    });
    expect(status).toBe(1);
    expect(output).toContain(`error: tag '${tag}' is not an image tag`);
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
    // Grafana: the addon, then our ConfigMap, then the patch that mounts it, then the wait for the new pod
    const at = (text: string) => calls.findIndex((c) => c.includes(text));
    const steps = [
      '/samples/addons/grafana.yaml',
      'apply -f ' + path.join(root, 'istio-manifests/addons/grafana-dashboards.yaml'),
      'patch deployment grafana --type strategic --patch-file ' +
        path.join(root, 'istio-manifests/addons/grafana-patch.yaml'),
      'rollout status deployment/grafana',
    ].map(at);
    expect(
      steps.every((i) => i >= 0),
      JSON.stringify(steps),
    ).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(calls.some((c) => c.includes('kiali'))).toBe(false);
    // the namespaces did not exist (the fake says so): created, then labelled
    expect(
      calls.indexOf('kubectl --context gke_demo_us-west1-a_primary create namespace istio-system'),
    ).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ['absent', '', true],
    ['older', 'v1.5.1', true],
    ['the same', GATEWAY_API_VERSION, false],
    ['newer (GKE manages them)', 'v1.7.0', false],
  ])('install-istio.sh: Gateway API CRDs %s on the clusters: applied %s', (_, installed, applied) => {
    const { status, calls, output } = runScript('install-istio.sh', ['--project', 'demo'], {
      FAKE_GATEWAY_API: installed,
    });
    expect(status, output).toBe(0);
    const applies = calls.filter((c) => c.includes('gateway-api/releases/download'));
    expect(applies).toHaveLength(applied ? 2 : 0);
    if (!applied) expect(output).toContain(`# Gateway API ${installed} on gke_demo_us-west1-a_primary: kept`);
    expect(calls).toContainEqual('istioctl x precheck --context gke_demo_us-west1-a_burst');
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
    expect(calls[0]).toMatch(
      /^node \S*tools\/build\/run-ts\.mjs \S*tools\/manifests\/src\/main\.ts .*--registry us-west1-docker\.pkg\.dev\/demo\/string-hashr --tag t1 --out /,
    );
    // The secrets exist (the fake answers every get): kept, and the link without the key.
    // Only burst's copy of the Redis password is rendered (client side) and applied, every time.
    expect(calls.filter((c) => c.includes('create secret') && !c.includes('--dry-run=client'))).toEqual([]);
    expect(calls).toContainEqual('kubectl --context gke_demo_us-west1-a_burst apply -f -');
    expect(output).toContain('open https://203.0.113.7/ (read-only)');
    // The fake says the worker VirtualService exists: it is not created again. The burst token is new on every deploy.
    expect(calls).toContainEqual(
      'kubectl --context gke_demo_us-west1-a_burst -n default create token istiowatcher --duration 8760h -o json',
    );
    expect(calls.filter((c) => / create /.test(c) && !/create (secret|token)/.test(c))).toEqual([]);
    expect(output).toContain('worker-virtual-service exists: left as it is');
  });

  it('teardown deletes nothing that is gone', () => {
    const { status, calls } = runScript('teardown.sh', ['--project', 'demo', '--delete-images']);
    expect(status).toBe(0);
    expect(calls.filter((c) => / delete /.test(c))).toEqual([]);
  });
});

describe('deploy.sh again during a burst (the built kubectl against two real API servers)', () => {
  // Two clusters, two control planes: both deploy into `default`, with objects of the same names.
  let primary: TestControlPlane;
  let burst: TestControlPlane;
  let kubeconfig: string;
  const kubeDir = mkdtempSync(path.join(tmpdir(), 'deploy-kubeconfig-'));
  beforeAll(async () => {
    [primary, burst] = await Promise.all([startControlPlane(), startControlPlane()]);
    // install-istio.sh makes istio-system, where deploy.sh puts the ingress's TLS secret.
    const namespace = await primary.kubectl(['create', 'namespace', 'istio-system']);
    if (namespace.code !== 0) throw new Error(describeResult(namespace));
    kubeconfig = path.join(kubeDir, 'config');
    writeFileSync(kubeconfig, twoClusterKubeconfig({ primary, burst }), { mode: 0o600 });
  });
  afterAll(async () => {
    await Promise.all([primary?.stop(), burst?.stop()]);
    rmSync(kubeDir, { recursive: true, force: true });
    rmSync(path.join(root, 'tmp/manifests-deploytest'), { recursive: true, force: true });
  });

  /** Runs deploy.sh with the built kubectl and the real node; only gcloud, istioctl, curl and the waits are faked. */
  async function deploy(tag: string) {
    const bin = mkdtempSync(path.join(tmpdir(), 'deploy-bin-'));
    const calls = path.join(bin, 'calls.log');
    for (const tool of ['gcloud', 'istioctl', 'curl'])
      writeFileSync(path.join(bin, tool), `#!/usr/bin/env bash\necho "${tool} $*" >> "${calls}"\n`, { mode: 0o755 });
    // kubectl: rollouts and the ingress address are faked (no controller or kubelet runs pods, no
    // cloud gives an address); every other call is the built kubectl against the two servers.
    writeFileSync(
      path.join(bin, 'kubectl'),
      `#!/usr/bin/env bash
echo "kubectl $*" >> "${calls}"
case "$*" in
  *"rollout status"*) exit 0 ;;
  *"jsonpath={.status.loadBalancer"*) echo 203.0.113.7; exit 0 ;;
esac
exec "${primary.kubectlPath}" "$@"
`,
      { mode: 0o755 },
    );
    const child = spawn('bash', [path.join(dir, 'deploy.sh'), '--project', 'demo', '--tag', tag], {
      cwd: root,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        KUBECONFIG: kubeconfig,
        KUBECACHEDIR: path.join(bin, 'cache'),
        PROJECT_ID: '',
      },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const log = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
    rmSync(bin, { recursive: true, force: true });
    return { status, output, calls: log };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const get = async (cp: TestControlPlane, args: string[]): Promise<Record<string, any> | undefined> => {
    const got = await cp.kubectl(['-n', 'default', 'get', ...args, '-o', 'json']);
    return got.code === 0 ? JSON.parse(got.stdout) : undefined;
  };
  const vs = ['virtualservices.networking.istio.io', 'worker-virtual-service'];
  const weights = (object: Awaited<ReturnType<typeof get>>) =>
    (object?.spec?.http?.[0]?.route as Array<{ weight: number }> | undefined)?.map((r) => r.weight);
  const isWrite = (verb: string) => !['get', 'list', 'watch'].includes(verb);

  it('creates the worker VirtualService once; a deploy during a burst leaves its weights and annotations', async () => {
    const first = await deploy('deploytest');
    expect(first.status, first.output).toBe(0);
    expect(weights(await get(primary, vs)), first.output).toEqual([100, 0]);
    expect(await get(burst, ['deployment', 'worker-deployment'])).toBeDefined();
    expect(await get(primary, ['destinationrules.networking.istio.io', 'worker-destination-rule'])).toBeDefined();
    expect(await get(burst, ['secret', 'redis-password'])).toBeDefined();

    // The watcher's kubeconfig for the burst cluster, in primary: there it is the watcher's burst
    // ServiceAccount, allowed what its Role allows and nothing else.
    const asWatcher = await burstWatcherKubeconfig();
    const whoami = await burst.kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], asWatcher);
    expect(whoami.stdout, describeResult(whoami)).toBe(
      `system:serviceaccount:default:${SERVICE_ACCOUNTS.istiowatcher}`,
    );
    const canI = async (...args: string[]) =>
      (await burst.kubectl(['-n', 'default', 'auth', 'can-i', ...args], asWatcher)).stdout.trim();
    expect(await canI('patch', 'horizontalpodautoscalers.autoscaling/worker-deployment')).toBe('yes');
    expect(await canI('get', 'deployments.apps/worker-deployment')).toBe('yes');
    for (const denied of [
      ['patch', 'deployments.apps/worker-deployment'],
      ['patch', 'horizontalpodautoscalers.autoscaling/another'],
      ['delete', 'horizontalpodautoscalers.autoscaling/worker-deployment'],
      ['get', 'secrets'],
    ])
      expect(await canI(...denied), denied.join(' ')).toBe('no');
    // And it does what the watcher does with it: hold the autoscaler's floor.
    const held = await burst.kubectl(
      ['-n', 'default', 'patch', 'hpa', 'worker-deployment', '--type', 'merge', '-p', '{"spec":{"minReplicas":3}}'],
      asWatcher,
    );
    expect(held.code, describeResult(held)).toBe(0);
    expect(
      burst
        .auditEvents()
        .filter((e) => e.objectRef?.resource === 'horizontalpodautoscalers' && e.verb === 'patch')
        .map((e) => e.user.username),
    ).toEqual([`system:serviceaccount:default:${SERVICE_ACCOUNTS.istiowatcher}`]);

    // A burst, as the watcher writes it: weights and its annotations in one edit; and the
    // autoscaler's replica count on the burst workers.
    const annotations = {
      'burst.string-hashr.dev/phase': 'burst',
      'burst.string-hashr.dev/changed-at': '2025-03-01T12:00:00.000Z',
      'burst.string-hashr.dev/reason': '30.00 req/s above high threshold 15',
      'burst.string-hashr.dev/owner': 'istiowatcher-0/1',
    };
    const edit = [
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 100 },
      { op: 'add', path: '/metadata/annotations', value: annotations },
    ];
    const burstEdit = await primary.kubectl([
      ...['-n', 'default', 'patch', ...vs, '--type', 'json', '--field-manager', 'istiowatcher'],
      ...['-p', JSON.stringify(edit)],
    ]);
    expect(burstEdit.code, describeResult(burstEdit)).toBe(0);
    const scaled = await burst.kubectl(['-n', 'default', 'scale', 'deployment/worker-deployment', '--replicas=3']);
    expect(scaled.code, describeResult(scaled)).toBe(0);
    const during = await get(primary, vs);
    expect(weights(during)).toEqual([0, 100]);
    const vsWrites = (events: AuditEvent[]) =>
      events
        .filter((e) => e.objectRef?.resource === 'virtualservices' && e.objectRef.name === vs[1] && isWrite(e.verb))
        .map((e) => e.verb);
    // The log does show writes to it: the first deploy's create and the burst's patch.
    expect(vsWrites(primary.auditEvents())).toEqual(['create', 'patch']);
    const auditedBefore = primary.auditEvents().length;

    const again = await deploy('deploytest');
    expect(again.status, again.output).toBe(0);
    expect(again.output).toContain('worker-virtual-service exists: left as it is');
    // The object is exactly as the watcher left it (same resourceVersion), and the audit log
    // shows no write to it during the second deploy.
    expect(await get(primary, vs)).toEqual(during);
    expect(vsWrites(primary.auditEvents().slice(auditedBefore))).toEqual([]);
    // Everything else was applied again.
    expect(again.calls.filter((c) => c.includes(' apply -k ')).map((c) => c.split('/').slice(-2).join('/'))).toEqual([
      'k8s/burst',
      'k8s/primary',
      'manifests-deploytest/istio-manifests',
    ]);
    // The burst Deployment carries no replica count for the apply to reset: the autoscaler's stays.
    expect((await get(burst, ['deployment', 'worker-deployment']))?.spec?.replicas).toBe(3);
    // A new token on every deploy, and it works.
    const renewed = await burstWatcherKubeconfig();
    expect(readFileSync(renewed.kubeconfig, 'utf8')).not.toBe(readFileSync(asWatcher.kubeconfig, 'utf8'));
    expect((await burst.kubectl(['auth', 'whoami'], renewed)).code).toBe(0);
  });

  let kubeconfigs = 0;
  /** The kubeconfig in primary's Secret, as the watcher mounts it. */
  async function burstWatcherKubeconfig(): Promise<{ kubeconfig: string }> {
    const secret = await get(primary, ['secret', SECRETS.burstKubeconfig.name]);
    const text = secret?.data?.[SECRETS.burstKubeconfig.key] as string | undefined;
    expect(text, `secret ${SECRETS.burstKubeconfig.name} in primary`).toBeDefined();
    const file = path.join(kubeDir, `burst-watcher-${++kubeconfigs}`);
    writeFileSync(file, Buffer.from(text ?? '', 'base64'), { mode: 0o600 });
    return { kubeconfig: file };
  }
});

/** One kubeconfig with GKE's context names for the two control planes' admins, as get-credentials writes them. */
function twoClusterKubeconfig(clusters: Record<'primary' | 'burst', TestControlPlane>): string {
  const entries = Object.entries(clusters).map(([name, cp]) => {
    const admin = parse(readFileSync(cp.kubeconfig, 'utf8')) as {
      clusters: Array<{ cluster: Record<string, unknown> }>;
      users: Array<{ user: Record<string, unknown> }>;
    };
    return { name, cluster: admin.clusters[0]!.cluster, user: admin.users[0]!.user };
  });
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: entries.map(({ name, cluster }) => ({ name, cluster })),
    users: entries.map(({ name, user }) => ({ name: `${name}-admin`, user })),
    contexts: entries.map(({ name }) => ({
      name: `gke_demo_us-west1-a_${name}`,
      context: { cluster: name, user: `${name}-admin` },
    })),
    'current-context': 'gke_demo_us-west1-a_primary',
  });
}
