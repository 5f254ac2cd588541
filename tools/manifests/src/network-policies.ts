/**
 * The flows of flows.ts again at L3/L4, for each cluster: NetworkPolicies hold for every pod,
 * sidecar or not (a pod outside the mesh is stopped here, before any AuthorizationPolicy). Deny
 * all in and out, then: DNS and istiod for every pod, Istio's Prometheus to the sidecars' metrics
 * ports, each app flow (from the other cluster, by that cluster's pod range), and the watcher's
 * calls out (the Kubernetes API, Prometheus).
 *
 * Assumed, as on GKE: the kubelet's probes (node to pod) pass whatever the policies say.
 */
import {
  NetworkPolicy,
  type INetworkPolicyEgressRule,
  type INetworkPolicyIngressRule,
  type INetworkPolicyPeer,
  type INetworkPolicyPort,
} from 'kubernetes-models/networking.k8s.io/v1';
import { MESH_PEERS, MESH_PORTS } from '@string-hashr/contract';
import type { ManifestConfig } from './config.js';
import {
  type AppWorkload,
  type ClusterRole,
  type MeshPeer,
  SCRAPED_SIDECAR_PORTS,
  WORKLOAD_CLUSTERS,
  appFlows,
  appLabel,
} from './flows.js';

const tcp = (port: number): INetworkPolicyPort => ({ protocol: 'TCP', port });

const meshPods = (peer: keyof typeof MESH_PEERS): INetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MESH_PEERS[peer].namespace } },
  podSelector: { matchLabels: { ...MESH_PEERS[peer].labels } },
});

const isMeshPeer = (peer: AppWorkload | MeshPeer): peer is MeshPeer =>
  peer === 'ingressGateway' || peer === 'prometheus';

/** Istio's workloads run on primary only: the burst cluster has no ingress gateway or Prometheus. */
const MESH_CLUSTER: ClusterRole = 'primary';

export function networkPolicies(config: ManifestConfig, cluster: ClusterRole): NetworkPolicy[] {
  const namespace = config.namespace;
  const runsHere = (workload: AppWorkload) => WORKLOAD_CLUSTERS[workload].includes(cluster);
  const podsOf = (workload: AppWorkload): INetworkPolicyPeer => ({
    podSelector: { matchLabels: { app: appLabel(workload) } },
  });
  // Pod selectors see only this cluster; the other cluster's pods are known by their range.
  const otherClusters = (workload: AppWorkload): INetworkPolicyPeer[] =>
    WORKLOAD_CLUSTERS[workload]
      .filter((c) => c !== cluster)
      .map((c) => ({ ipBlock: { cidr: config.network.podRanges[c] } }));
  const peersOf = (peer: AppWorkload | MeshPeer): INetworkPolicyPeer[] =>
    isMeshPeer(peer)
      ? cluster === MESH_CLUSTER
        ? [meshPods(peer)]
        : []
      : [...(runsHere(peer) ? [podsOf(peer)] : []), ...otherClusters(peer)];
  const policy = (
    name: string,
    podSelector: Record<string, string>,
    rules: { ingress?: INetworkPolicyIngressRule[]; egress?: INetworkPolicyEgressRule[] },
  ) =>
    new NetworkPolicy({
      metadata: { name, namespace },
      spec: {
        podSelector: { matchLabels: podSelector },
        policyTypes: [...(rules.ingress ? (['Ingress'] as const) : []), ...(rules.egress ? (['Egress'] as const) : [])],
        ...rules,
      },
    });

  const flows = appFlows(config);
  const workloadPolicies = (Object.keys(WORKLOAD_CLUSTERS) as AppWorkload[]).filter(runsHere).flatMap((workload) => {
    const ingress = flows
      .filter((flow) => flow.to === workload)
      .map((flow) => ({ from: peersOf(flow.from), ports: [tcp(flow.port)] }))
      .filter((rule) => rule.from.length > 0);
    const egress: INetworkPolicyEgressRule[] = flows
      .filter((flow) => flow.from === workload)
      .map((flow) => ({ to: peersOf(flow.to), ports: [tcp(flow.port)] }))
      .filter((rule) => (rule.to ?? []).length > 0);
    if (workload === 'istiowatcher') {
      // The Kubernetes API (on GKE an address outside the cluster's ranges) and Prometheus.
      egress.push({ ports: [tcp(443)] }, { to: [meshPods('prometheus')], ports: [tcp(MESH_PORTS.prometheus)] });
    }
    return [
      policy(
        `${appLabel(workload)}`,
        { app: appLabel(workload) },
        {
          ...(ingress.length ? { ingress } : {}),
          ...(egress.length ? { egress } : {}),
        },
      ),
    ];
  });

  return [
    policy('default-deny', {}, { ingress: [], egress: [] }),
    policy('allow-dns', {}, { egress: [{ ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] }] }),
    // Every sidecar's configuration and certificates: istiod on primary; through the east-west
    // gateway (an internal load balancer in the VPC) from burst.
    policy(
      'allow-istiod',
      {},
      {
        egress: [
          {
            to: cluster === MESH_CLUSTER ? [meshPods('istiod')] : [{ ipBlock: { cidr: config.network.vpcRange } }],
            ports: [tcp(MESH_PORTS.istiodXds)],
          },
        ],
      },
    ),
    ...(cluster === MESH_CLUSTER
      ? [
          policy(
            'allow-prometheus-scrape',
            {},
            {
              ingress: [{ from: [meshPods('prometheus')], ports: SCRAPED_SIDECAR_PORTS.map(tcp) }],
            },
          ),
        ]
      : []),
    ...workloadPolicies,
  ];
}
