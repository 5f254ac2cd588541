#!/usr/bin/env bash
# Step 2 of docs/deploy.md: one Istio mesh over both clusters, primary-remote on one network
# (https://istio.io/latest/docs/setup/install/multicluster/primary-remote/). First `istioctl x
# precheck` on both clusters, and the Gateway API CRDs Istio's release expects. istiod runs on
# primary and serves burst through an east-west gateway; a remote secret lets it watch burst's
# API server. Then Istio's addons on primary: Prometheus with the burst alerting rules, Grafana
# with the burst dashboard, and with --with-kiali-jaeger Kiali and Jaeger (tracing on); sidecar
# injection in the app's namespace on both. The IstioOperator files and the addons' files are generated: istio-manifests/install/, addons/.
# Idempotent: istioctl install and kubectl apply/label converge; namespaces are looked up first.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: tools/cluster/install-istio.sh [--dry-run] [--project ID] [--zone ZONE] [--with-kiali-jaeger]   (ISTIO_VERSION=$ISTIO_VERSION, GATEWAY_API_VERSION=$GATEWAY_API_VERSION, ISTIO_ARCH)"
  echo "  --with-kiali-jaeger  also Istio's Kiali and Jaeger addons, and tracing for the whole mesh"
  usage_common
}
WITH_KIALI_JAEGER=false
script_flag() {
  case $1 in
    --with-kiali-jaeger) WITH_KIALI_JAEGER=true ;;
    *) return 1 ;;
  esac
  SCRIPT_FLAG_SHIFT=1
}
parse_flags "$@"
need kubectl curl
INSTALL=$CLUSTER_ROOT/istio-manifests/install
ADDONS=$CLUSTER_ROOT/istio-manifests/addons

step "istioctl $ISTIO_VERSION"
if ISTIOCTL=$(istioctl_path); then
  note "using $ISTIOCTL"
else
  resolve_istio_arch
  run mkdir -p "$CLUSTER_ROOT/tmp/istio"
  run_pipe "cd $(quote "$CLUSTER_ROOT/tmp/istio") && curl -fsSL https://istio.io/downloadIstio | ISTIO_VERSION=$(quote "$ISTIO_VERSION") TARGET_ARCH=$(quote "$ISTIO_ARCH") sh -"
fi
ISTIO_DIR=$(dirname "$(dirname "$ISTIOCTL")")

# namespace CONTEXT NAME: creates it unless it exists.
namespace() {
  if exists kubectl --context "$1" get namespace "$2"; then note "namespace $2 exists on $1"; else run kubectl --context "$1" create namespace "$2"; fi
}

step "precheck: can Istio $ISTIO_VERSION be installed on both clusters"
for context in "$PRIMARY_CONTEXT" "$BURST_CONTEXT"; do
  run "$ISTIOCTL" x precheck --context "$context"
done

# gateway_api_crds CONTEXT: the standard channel's CRDs at GATEWAY_API_VERSION, unless that version
# or a newer one is there already (GKE installs and manages them on recent versions).
gateway_api_crds() {
  local installed='' check=(kubectl --context "$1" get crd httproutes.gateway.networking.k8s.io -o 'jsonpath={.metadata.annotations.gateway\.networking\.k8s\.io/bundle-version}')
  if $DRY_RUN; then
    printf '+ %s  # check; in a dry run assumed absent\n' "$(quote "${check[@]}")"
  else
    installed=$("${check[@]}" 2>/dev/null || true)
  fi
  if [[ -n $installed && $(printf '%s\n%s\n' "$GATEWAY_API_VERSION" "$installed" | sort -V | head -n 1) == "$GATEWAY_API_VERSION" ]]; then
    note "Gateway API $installed on $1: kept (needs $GATEWAY_API_VERSION or newer)"
  else
    run kubectl --context "$1" apply --server-side -f "https://github.com/kubernetes-sigs/gateway-api/releases/download/$GATEWAY_API_VERSION/standard-install.yaml"
  fi
}

step "Gateway API $GATEWAY_API_VERSION CRDs (standard channel) on both clusters"
for context in "$PRIMARY_CONTEXT" "$BURST_CONTEXT"; do
  gateway_api_crds "$context"
done

step "primary ($PRIMARY_CONTEXT): istiod, ingress gateway, CNI"
namespace "$PRIMARY_CONTEXT" istio-system
run kubectl --context "$PRIMARY_CONTEXT" label namespace istio-system "topology.istio.io/network=$MESH_NETWORK" --overwrite
run "$ISTIOCTL" install -y --context "$PRIMARY_CONTEXT" -f "$INSTALL/primary.yaml"

step "primary: east-west gateway exposing istiod to the burst cluster"
run "$ISTIOCTL" install -y --context "$PRIMARY_CONTEXT" -f "$INSTALL/eastwest-gateway.yaml"
run kubectl --context "$PRIMARY_CONTEXT" apply -f "$INSTALL/expose-istiod.yaml"
DISCOVERY_ADDRESS=$(wait_for_value '<east-west gateway IP>' 'the east-west gateway address' \
  kubectl --context "$PRIMARY_CONTEXT" -n istio-system get service istio-eastwestgateway -o 'jsonpath={.status.loadBalancer.ingress[0].ip}')
note "istiod is reachable at $DISCOVERY_ADDRESS"

step "burst ($BURST_CONTEXT): remote, its control plane is primary's istiod"
namespace "$BURST_CONTEXT" istio-system
run kubectl --context "$BURST_CONTEXT" label namespace istio-system "topology.istio.io/network=$MESH_NETWORK" --overwrite
run kubectl --context "$BURST_CONTEXT" annotate namespace istio-system "topology.istio.io/controlPlaneClusters=$PRIMARY_CLUSTER" --overwrite
run "$ISTIOCTL" install -y --context "$BURST_CONTEXT" -f "$INSTALL/remote.yaml" --set "values.global.remotePilotAddress=$DISCOVERY_ADDRESS"

step "remote secret: primary's istiod watches burst's services and endpoints"
run_pipe "$(quote "$ISTIOCTL" create-remote-secret --context "$BURST_CONTEXT" --name "$BURST_CLUSTER") | $(quote kubectl --context "$PRIMARY_CONTEXT" apply -f -)"

step "Prometheus (Istio addon) on primary: the watcher's metric source, with the burst alerting rules"
run kubectl --context "$PRIMARY_CONTEXT" apply -f "$ISTIO_DIR/samples/addons/prometheus.yaml"
# The rules go in the addon's alerting_rules.yml key; its config reloader reloads Prometheus.
run kubectl --context "$PRIMARY_CONTEXT" -n istio-system patch configmap prometheus --type merge --patch-file "$ADDONS/prometheus-patch.yaml"

step "Grafana (Istio addon) on primary, with the burst dashboard provisioned"
run kubectl --context "$PRIMARY_CONTEXT" apply -f "$ISTIO_DIR/samples/addons/grafana.yaml"
# Our ConfigMap first, then the patch that mounts it: a re-apply of the addon keeps the patch.
run kubectl --context "$PRIMARY_CONTEXT" apply -f "$ADDONS/grafana-dashboards.yaml"
run kubectl --context "$PRIMARY_CONTEXT" -n istio-system patch deployment grafana --type strategic --patch-file "$ADDONS/grafana-patch.yaml"
run kubectl --context "$PRIMARY_CONTEXT" -n istio-system rollout status deployment/grafana --timeout 300s

if $WITH_KIALI_JAEGER; then
  step "Jaeger and Kiali (Istio addons) on primary; tracing on for the whole mesh"
  run kubectl --context "$PRIMARY_CONTEXT" apply -f "$ISTIO_DIR/samples/addons/jaeger.yaml"
  run kubectl --context "$PRIMARY_CONTEXT" apply -f "$ISTIO_DIR/samples/addons/kiali.yaml"
  run kubectl --context "$PRIMARY_CONTEXT" apply -f "$ADDONS/tracing.yaml"
else
  note "Kiali and Jaeger not installed (--with-kiali-jaeger adds them)"
fi

step "sidecar injection in namespace $NAMESPACE on both clusters"
for context in "$PRIMARY_CONTEXT" "$BURST_CONTEXT"; do
  namespace "$context" "$NAMESPACE"
  # Pods here meet the "restricted" Pod Security profile (Istio CNI keeps the sidecar compliant): warn on any that do not.
  run kubectl --context "$context" label namespace "$NAMESPACE" istio-injection=enabled pod-security.kubernetes.io/warn=restricted --overwrite
done

step "check"
run "$ISTIOCTL" remote-clusters --context "$PRIMARY_CONTEXT"
run kubectl --context "$PRIMARY_CONTEXT" -n istio-system get pods
run kubectl --context "$BURST_CONTEXT" get mutatingwebhookconfigurations
note "open Grafana (dashboard String Hashr / String Hashr: burst): $(quote "$ISTIOCTL" dashboard grafana --context "$PRIMARY_CONTEXT")"
if $WITH_KIALI_JAEGER; then
  note "open Kiali: $(quote "$ISTIOCTL" dashboard kiali --context "$PRIMARY_CONTEXT"); Jaeger: $(quote "$ISTIOCTL" dashboard jaeger --context "$PRIMARY_CONTEXT")"
fi
