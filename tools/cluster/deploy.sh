#!/usr/bin/env bash
# Step 4 of docs/deploy.md: the app. Renders the manifests for the images' registry and tag
# (tools/manifests), applies the burst cluster's, then primary's and the Istio routing and
# policies (on primary: its istiod configures both clusters), waits for the rollouts and prints
# the address of the page. kubectl apply is idempotent; run it again after every new build.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: tools/cluster/deploy.sh [--dry-run] [--project ID] [--zone ZONE] [--tag TAG] [--registry REGISTRY]"
  echo "  --tag TAG            image tag (default: git rev-parse --short HEAD, as Cloud Build's \$SHORT_SHA)"
  echo "  --registry REGISTRY  (default \$AR_LOCATION-docker.pkg.dev/\$PROJECT_ID/string-hashr)"
  usage_common
}
script_flag() {
  case $1 in
    --tag) need_value "$@"; TAG=$2 ;;
    --registry) need_value "$@"; REGISTRY=$2 ;;
    *) return 1 ;;
  esac
  SCRIPT_FLAG_SHIFT=2
}
parse_flags "$@"
need kubectl npx
if [[ -z ${TAG:-} ]]; then
  TAG=$(git -C "$CLUSTER_ROOT" rev-parse --short HEAD 2>/dev/null) || die "no --tag, and $CLUSTER_ROOT is not a git checkout to take the commit's tag from: pass --tag"
fi
[[ $TAG =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "tag '$TAG' is not an image tag (letters, digits, _ . -, at most 128)"
OUT=$CLUSTER_ROOT/tmp/manifests-$TAG

step "manifests for $REGISTRY/*:$TAG in $OUT"
run npx --prefix "$CLUSTER_ROOT" tsx "$CLUSTER_ROOT/tools/manifests/src/main.ts" --config "$CLUSTER_ROOT/tools/manifests/config.yaml" \
  --registry "$REGISTRY" --tag "$TAG" --out "$OUT"

step "burst ($BURST_CONTEXT): worker, its autoscaler, and the Services the mesh routes"
run kubectl --context "$BURST_CONTEXT" apply -k "$OUT/k8s/burst"

step "primary ($PRIMARY_CONTEXT): Redis, frontend, worker, istiowatcher"
run kubectl --context "$PRIMARY_CONTEXT" apply -k "$OUT/k8s/primary"

step "primary: Istio gateway, routing (natural: all to primary), mTLS and authorization"
run kubectl --context "$PRIMARY_CONTEXT" apply -k "$OUT/istio-manifests"

step "rollouts"
for deployment in redis-cache worker-deployment frontend-deployment istiowatcher; do
  run kubectl --context "$PRIMARY_CONTEXT" -n "$NAMESPACE" rollout status "deployment/$deployment" --timeout 5m
done
run kubectl --context "$BURST_CONTEXT" -n "$NAMESPACE" rollout status deployment/worker-deployment --timeout 5m

step "the page"
INGRESS=$(wait_for_value '<ingress IP>' 'the ingress gateway address' \
  kubectl --context "$PRIMARY_CONTEXT" -n istio-system get service istio-ingressgateway -o 'jsonpath={.status.loadBalancer.ingress[0].ip}')
note "open http://$INGRESS/ and enter a rate above ${BURST_HIGH_RPS:-15}/s: after about half a minute the hashes start with bursty-"
