#!/usr/bin/env bash
# Step 1 of docs/deploy.md: the GCP side. APIs, the Artifact Registry repository, the two GKE
# clusters (primary: 4 fixed nodes; burst: autoscaling 1-5), their kube contexts, and the
# firewall rule that lets each cluster's pods reach the other's (one network for Istio).
# Idempotent: everything is looked up before it is created.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: tools/cluster/create-clusters.sh [--dry-run] [--project ID] [--zone ZONE]"
  usage_common
}
parse_flags "$@"
need gcloud kubectl

step "APIs"
run gcloud services enable container.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com --project "$PROJECT_ID"

step "Artifact Registry repository $AR_REPOSITORY ($AR_LOCATION)"
if exists gcloud artifacts repositories describe "$AR_REPOSITORY" --location "$AR_LOCATION" --project "$PROJECT_ID"; then
  note "exists"
else
  run gcloud artifacts repositories create "$AR_REPOSITORY" --repository-format docker --location "$AR_LOCATION" --project "$PROJECT_ID"
fi

# create_cluster NAME ARGS...: the shared settings plus each cluster's node pool sizing.
create_cluster() {
  local name=$1
  shift
  if exists gcloud container clusters describe "$name" --zone "$ZONE" --project "$PROJECT_ID"; then
    note "cluster $name exists"
  else
    run gcloud container clusters create "$name" --zone "$ZONE" --project "$PROJECT_ID" \
      --release-channel regular --machine-type "$MACHINE_TYPE" --disk-size 50 \
      --enable-ip-alias --network default --workload-pool "$PROJECT_ID.svc.id.goog" \
      --labels app=string-hashr,role="$name" "$@"
  fi
  run gcloud container clusters get-credentials "$name" --zone "$ZONE" --project "$PROJECT_ID"
}

step "cluster $PRIMARY_CLUSTER: fixed size, stands for on-prem"
create_cluster "$PRIMARY_CLUSTER" --num-nodes 4

step "cluster $BURST_CLUSTER: autoscaling 1-5 nodes, stands for the cloud"
create_cluster "$BURST_CLUSTER" --num-nodes 1 --enable-autoscaling --min-nodes 1 --max-nodes 5

step "firewall rule $FIREWALL_RULE: pod ranges of both clusters may reach each other's nodes and pods"
if exists gcloud compute firewall-rules describe "$FIREWALL_RULE" --project "$PROJECT_ID"; then
  note "exists"
else
  pod_ranges=$(query '<primary pod range>,<burst pod range>' gcloud container clusters list --project "$PROJECT_ID" \
    --filter "name=($PRIMARY_CLUSTER,$BURST_CLUSTER) AND location=$ZONE" --format 'value(clusterIpv4Cidr)' | sort -u | paste -sd, -)
  node_tags=$(query '<primary node tag>,<burst node tag>' gcloud compute instances list --project "$PROJECT_ID" \
    --filter "metadata.cluster-name=($PRIMARY_CLUSTER,$BURST_CLUSTER) AND metadata.cluster-location=$ZONE" --format 'value(tags.items[0])' | sort -u | paste -sd, -)
  [[ -n $pod_ranges && -n $node_tags ]] || die "could not read the clusters' pod ranges and node tags"
  run gcloud compute firewall-rules create "$FIREWALL_RULE" --project "$PROJECT_ID" --network default \
    --allow tcp,udp,icmp,esp,ah,sctp --direction INGRESS --priority 900 \
    --source-ranges "$pod_ranges" --target-tags "$node_tags"
fi

step "check"
run kubectl --context "$PRIMARY_CONTEXT" get nodes
run kubectl --context "$BURST_CONTEXT" get nodes
