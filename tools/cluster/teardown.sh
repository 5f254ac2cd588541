#!/usr/bin/env bash
# Undoes create-clusters.sh (and with it everything installed in the clusters): the load
# balancers first (so no forwarding rule outlives its cluster), the two clusters, the firewall
# rule, and with --delete-images the Artifact Registry repository. Skips what is already gone.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DELETE_IMAGES=false
DRY_RUN_ASSUMES_PRESENT=true
usage() {
  echo "usage: tools/cluster/teardown.sh [--dry-run] [--project ID] [--zone ZONE] [--delete-images]"
  usage_common
}
script_flag() {
  case $1 in
    --delete-images) DELETE_IMAGES=true ;;
    *) return 1 ;;
  esac
  SCRIPT_FLAG_SHIFT=1
}
parse_flags "$@"
need gcloud kubectl

for cluster in "$PRIMARY_CLUSTER" "$BURST_CLUSTER"; do
  step "cluster $cluster"
  if exists gcloud container clusters describe "$cluster" --zone "$ZONE" --project "$PROJECT_ID"; then
    if [[ $cluster == "$PRIMARY_CLUSTER" ]]; then context=$PRIMARY_CONTEXT; else context=$BURST_CONTEXT; fi
    run kubectl --context "$context" -n istio-system delete service istio-ingressgateway istio-eastwestgateway --ignore-not-found --wait
    run gcloud container clusters delete "$cluster" --zone "$ZONE" --project "$PROJECT_ID" --quiet
  else
    note "not there"
  fi
done

step "firewall rule $FIREWALL_RULE"
if exists gcloud compute firewall-rules describe "$FIREWALL_RULE" --project "$PROJECT_ID"; then
  run gcloud compute firewall-rules delete "$FIREWALL_RULE" --project "$PROJECT_ID" --quiet
else
  note "not there"
fi

step "Artifact Registry repository $AR_REPOSITORY"
if ! $DELETE_IMAGES; then
  note "kept (pass --delete-images to delete it)"
elif exists gcloud artifacts repositories describe "$AR_REPOSITORY" --location "$AR_LOCATION" --project "$PROJECT_ID"; then
  run gcloud artifacts repositories delete "$AR_REPOSITORY" --location "$AR_LOCATION" --project "$PROJECT_ID" --quiet
else
  note "not there"
fi
