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
need kubectl node openssl
if [[ -z ${TAG:-} ]]; then
  TAG=$(git -C "$CLUSTER_ROOT" rev-parse --short HEAD 2>/dev/null) || die "no --tag, and $CLUSTER_ROOT is not a git checkout to take the commit's tag from: pass --tag"
fi
[[ $TAG =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "tag '$TAG' is not an image tag (letters, digits, _ . -, at most 128)"
OUT=$CLUSTER_ROOT/tmp/manifests-$TAG

step "manifests for $REGISTRY/*:$TAG in $OUT"
# From a bundle (tools/build/run-ts.mjs): a third of the CPU that `npx tsx` takes to start it.
run node "$CLUSTER_ROOT/tools/build/run-ts.mjs" "$CLUSTER_ROOT/tools/manifests/src/main.ts" --config "$CLUSTER_ROOT/tools/manifests/config.yaml" \
  --registry "$REGISTRY" --tag "$TAG" --out "$OUT"

# The Secrets the manifests refer to (names: libs/contract/src/security.ts), created once when absent.
# A secret is made by a pipe into kubectl, never an argument: the printed commands never show one.
secret_from_random() { # CONTEXT NAME KEY
  if exists kubectl --context "$1" -n "$NAMESPACE" get secret "$2"; then
    note "secret $2 exists on $1: kept"
    return 1
  fi
  run_pipe "head -c 32 /dev/urandom | base64 | tr -d '+/=\\n' | $(quote kubectl --context "$1" -n "$NAMESPACE" create secret generic "$2" "--from-file=$3=/dev/stdin")"
}
step "secrets: the control key of the rate, the Redis password (primary's, copied to burst)"
NEW_CONTROL_KEY=false
secret_from_random "$PRIMARY_CONTEXT" frontend-control-key CONTROL_KEY && NEW_CONTROL_KEY=true
secret_from_random "$PRIMARY_CONTEXT" redis-password REDIS_PASSWORD || true
run_pipe "$(quote kubectl --context "$PRIMARY_CONTEXT" -n "$NAMESPACE" get secret redis-password -o 'jsonpath={.data.REDIS_PASSWORD}') | base64 -d | $(quote kubectl --context "$BURST_CONTEXT" -n "$NAMESPACE" create secret generic redis-password --from-file=REDIS_PASSWORD=/dev/stdin --dry-run=client -o yaml) | $(quote kubectl --context "$BURST_CONTEXT" apply -f -)"

step "the page's certificate: istio-system/frontend-tls (self-signed for the gateway's IP unless one is there)"
INGRESS=$(wait_for_value '<ingress IP>' 'the ingress gateway address' \
  kubectl --context "$PRIMARY_CONTEXT" -n istio-system get service istio-ingressgateway -o 'jsonpath={.status.loadBalancer.ingress[0].ip}')
if exists kubectl --context "$PRIMARY_CONTEXT" -n istio-system get secret frontend-tls; then
  note "secret istio-system/frontend-tls exists: kept (docs/deploy.md: a certificate for a domain)"
else
  run_pipe "cd \"\$(mktemp -d)\" && openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj /CN=$(quote "$INGRESS") -addext subjectAltName=IP:$(quote "$INGRESS") -keyout tls.key -out tls.crt 2>/dev/null && { $(quote kubectl --context "$PRIMARY_CONTEXT" -n istio-system create secret tls frontend-tls --cert=tls.crt --key=tls.key); made=\$?; rm -f tls.key; exit \$made; }"
fi

step "burst ($BURST_CONTEXT): worker, its autoscaler, and the Services the mesh routes"
run kubectl --context "$BURST_CONTEXT" apply -k "$OUT/k8s/burst"

# The watcher holds the burst HPA's floor through the burst cluster's API when config.yaml's watcher
# sets BURST_WARM=min-replicas: its kubeconfig there, in primary, before the watcher starts. A
# TokenRequest token (docs/deploy.md, the burst side's Secret), renewed on every deploy; the token is
# piped, never an argument.
BURST_WARM=$(sed -n 's/^  BURST_WARM: *\([a-z-]*\).*/\1/p' "$CLUSTER_ROOT/tools/manifests/config.yaml")
if [[ $BURST_WARM == min-replicas ]]; then
  step "primary: the watcher's kubeconfig for the burst cluster (istiowatcher-burst-kubeconfig), a new token"
  run_pipe "$(quote kubectl --context "$BURST_CONTEXT" -n "$NAMESPACE" create token istiowatcher --duration "$BURST_TOKEN_DURATION" -o json) | $(quote node "$CLUSTER_ROOT/tools/build/run-ts.mjs" "$CLUSTER_ROOT/tools/cluster/src/burst-kubeconfig-main.ts") --cluster \"\$($(quote kubectl config view --raw --minify --flatten --context "$BURST_CONTEXT" -o 'jsonpath={.clusters[0].cluster}'))\" --namespace $(quote "$NAMESPACE") | $(quote kubectl --context "$PRIMARY_CONTEXT" apply --server-side --field-manager deploy -f -)"
fi

step "primary ($PRIMARY_CONTEXT): Redis, frontend, worker, istiowatcher"
run kubectl --context "$PRIMARY_CONTEXT" apply -k "$OUT/k8s/primary"

step "primary: Istio gateway, routing, mTLS and authorization"
run kubectl --context "$PRIMARY_CONTEXT" apply -k "$OUT/istio-manifests"

# The worker route is created once and never applied again: its weights and
# burst.string-hashr.dev annotations are the istiowatcher's, and a re-apply during a burst would
# send everything back to primary (docs/deploy.md, "Deploying again"). Which route: the routing
# flavour of tools/manifests/config.yaml, the one `apply -k` deployed.
ROUTING=$(sed -n 's/^routing: *\([a-z-]*\).*/\1/p' "$CLUSTER_ROOT/tools/manifests/config.yaml")
case $ROUTING in
  virtualservice) ROUTE=(virtualservices.networking.istio.io worker-virtual-service) STATE=istio-manifests/states/natural.yaml ;;
  gateway-api) ROUTE=(httproutes.gateway.networking.k8s.io worker-route) STATE=istio-manifests/states/gateway-api/natural.yaml ;;
  *) die "routing '$ROUTING' in tools/manifests/config.yaml: expected virtualservice or gateway-api" ;;
esac
step "primary: the worker route ${ROUTE[1]} (natural: all to primary), only when absent"
if exists kubectl --context "$PRIMARY_CONTEXT" -n "$NAMESPACE" get "${ROUTE[0]}" "${ROUTE[1]}" -o name; then
  note "${ROUTE[1]} exists: left as it is (the istiowatcher owns its weights)"
else
  run kubectl --context "$PRIMARY_CONTEXT" create -f "$OUT/$STATE"
fi

step "rollouts"
for deployment in redis-cache worker-deployment frontend-deployment istiowatcher; do
  run kubectl --context "$PRIMARY_CONTEXT" -n "$NAMESPACE" rollout status "deployment/$deployment" --timeout 5m
done
run kubectl --context "$BURST_CONTEXT" -n "$NAMESPACE" rollout status deployment/worker-deployment --timeout 5m

step "the page"
# The link with the key is printed once, when the key is made: the fragment (#key=) never reaches
# a server, its log or a Referer. Without it the page is read-only.
KEY_COMMAND="kubectl --context $PRIMARY_CONTEXT -n $NAMESPACE get secret frontend-control-key -o jsonpath='{.data.CONTROL_KEY}' | base64 -d"
if $NEW_CONTROL_KEY; then
  if $DRY_RUN; then CONTROL_KEY='<control key>'; else CONTROL_KEY=$(bash -o pipefail -c "$KEY_COMMAND"); fi
  note "open https://$INGRESS/#key=$CONTROL_KEY (this link is shown once; keep it: it changes the rate)"
else
  note "open https://$INGRESS/ (read-only); the link that changes the rate: https://$INGRESS/#key=\$($KEY_COMMAND)"
fi
BURST_HIGH_RPS=$(sed -n "s/^  BURST_HIGH_RPS: *'\{0,1\}\([0-9.]*\).*/\\1/p" "$CLUSTER_ROOT/tools/manifests/config.yaml")
note "enter a rate above ${BURST_HIGH_RPS:-15}/s: within a minute some hashes start with bursty-"
