#!/usr/bin/env bash
# Shared by the tools/cluster scripts: settings, flags, and how every command is printed and run.
# Sourced, not run. Each script calls `parse_flags "$@"` first.
#
# Settings (environment, or the flags below):
#   PROJECT_ID        GCP project (default: gcloud's current project; with --dry-run, a placeholder)
#   ZONE              us-west1-a, as in the codelab
#   PRIMARY_CLUSTER   primary        BURST_CLUSTER   burst
#   MACHINE_TYPE      e2-standard-4  (Istio wants 4 vCPU nodes; the codelab's n1-standard-2 is too small today)
#   ISTIO_VERSION     1.31.4         the istioctl downloaded when none of that version is on PATH
#   GATEWAY_API_VERSION v1.6.0       the Gateway API CRDs (standard channel) installed with it: the version Istio 1.31 is built against
#   ISTIO_ARCH        that download's architecture: amd64, arm64 or armv7 (default: this machine's, from uname -m)
#   AR_LOCATION       us-west1       Artifact Registry region; REGISTRY defaults to $AR_LOCATION-docker.pkg.dev/$PROJECT_ID/string-hashr
#   TAG               image tag deploy.sh deploys (default: git rev-parse --short HEAD, the tag Cloud Build gives this commit)
#   MESH_NETWORK      network1       must match tools/manifests/config.yaml mesh.network
#   BURST_TOKEN_DURATION 8760h       how long the watcher's burst token asks to last (deploy.sh renews it; the API server may cut it)

# shellcheck disable=SC2034 # variables are used by the scripts that source this file
CLUSTER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DRY_RUN=false
ZONE=${ZONE:-us-west1-a}
PRIMARY_CLUSTER=${PRIMARY_CLUSTER:-primary}
BURST_CLUSTER=${BURST_CLUSTER:-burst}
MACHINE_TYPE=${MACHINE_TYPE:-e2-standard-4}
# Istio 1.31 (current; 1.30 is the other supported release). Avoid 1.30.0-1.30.2: they pushed config
# to every proxy on any VirtualService metadata change, and the watcher writes annotations (istio/istio#60629).
ISTIO_VERSION=${ISTIO_VERSION:-1.31.4}
# Move with ISTIO_VERSION: the sigs.k8s.io/gateway-api version in that Istio release's go.mod.
GATEWAY_API_VERSION=${GATEWAY_API_VERSION:-v1.6.0}
AR_LOCATION=${AR_LOCATION:-us-west1}
MESH_NETWORK=${MESH_NETWORK:-network1}
FIREWALL_RULE=${FIREWALL_RULE:-string-hashr-istio-multicluster-pods}
AR_REPOSITORY=${AR_REPOSITORY:-string-hashr}
NAMESPACE=${NAMESPACE:-default}
BURST_TOKEN_DURATION=${BURST_TOKEN_DURATION:-8760h}

usage_common() {
  cat <<EOF
  --dry-run            print every command instead of running it (nothing is run, not even checks)
  --project ID         GCP project (or PROJECT_ID)
  --zone ZONE          (or ZONE; default $ZONE)
  -h, --help
EOF
}

# Parses the common flags; a script's own flags are handled by its `script_flag NAME VALUE` function when defined
# (which sets SCRIPT_FLAG_SHIFT to the number of arguments it took).
parse_flags() {
  while [[ $# -gt 0 ]]; do
    case $1 in
      --dry-run) DRY_RUN=true ;;
      --project) need_value "$@"; PROJECT_ID=$2; shift ;;
      --zone) need_value "$@"; ZONE=$2; shift ;;
      -h | --help) usage; exit 0 ;;
      *)
        if declare -F script_flag >/dev/null && script_flag "$@"; then
          shift "$SCRIPT_FLAG_SHIFT"
          continue
        fi
        echo "unknown argument: $1" >&2
        usage >&2
        exit 2
        ;;
    esac
    shift
  done
  resolve_project
  PRIMARY_CONTEXT=${PRIMARY_CONTEXT:-gke_${PROJECT_ID}_${ZONE}_${PRIMARY_CLUSTER}}
  BURST_CONTEXT=${BURST_CONTEXT:-gke_${PROJECT_ID}_${ZONE}_${BURST_CLUSTER}}
  REGISTRY=${REGISTRY:-${AR_LOCATION}-docker.pkg.dev/${PROJECT_ID}/${AR_REPOSITORY}}
}

# need_value FLAG [VALUE...]: exits 2 with the usage unless FLAG has a value (not missing, empty, or the next flag).
need_value() {
  if [[ $# -lt 2 || -z $2 || $2 == -* ]]; then
    echo "$1 needs a value" >&2
    usage >&2
    exit 2
  fi
}

resolve_project() {
  if [[ -z ${PROJECT_ID:-} ]]; then
    if $DRY_RUN; then
      PROJECT_ID='<project>'
      echo "# PROJECT_ID not set: using $PROJECT_ID in the printed commands" >&2
    else
      PROJECT_ID=$(gcloud config get-value project 2>/dev/null)
      [[ -n $PROJECT_ID ]] || die "no project: pass --project or run gcloud config set project <id>"
    fi
  fi
}

die() {
  echo "error: $*" >&2
  exit 1
}

step() { printf '\n== %s\n' "$*"; }
note() { printf '# %s\n' "$*"; }

# Prints a command as it would be typed, then runs it unless --dry-run.
run() {
  printf '+ %s\n' "$(quote "$@")"
  $DRY_RUN || "$@"
}

# A pipeline, given as one string whose parts are already quoted (use `quote`).
run_pipe() {
  printf '+ %s\n' "$1"
  $DRY_RUN || bash -o pipefail -c "$1"
}

# Whether something exists: runs the check quietly. With --dry-run it prints the check and answers
# "no" (so the create commands are printed), or "yes" when DRY_RUN_ASSUMES_PRESENT=true (teardown).
DRY_RUN_ASSUMES_PRESENT=false
exists() {
  if $DRY_RUN; then
    if $DRY_RUN_ASSUMES_PRESENT; then
      printf '+ %s  # check; in a dry run assumed present\n' "$(quote "$@")"
      return 0
    fi
    printf '+ %s  # check; in a dry run assumed absent\n' "$(quote "$@")"
    return 1
  fi
  "$@" >/dev/null 2>&1
}

# Runs a query and prints its output; with --dry-run prints the query and the placeholder instead.
query() {
  local placeholder=$1
  shift
  if $DRY_RUN; then
    printf '+ %s\n' "$(quote "$@")" >&2
    printf '%s\n' "$placeholder"
    return 0
  fi
  "$@"
}

quote() {
  local out=() arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=@,+%^-]+$ ]]; then out+=("$arg"); else out+=("'${arg//\'/\'\\\'\'}'"); fi
  done
  printf '%s' "${out[*]}"
}

need() {
  $DRY_RUN && return 0
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is not on PATH (see docs/deploy.md, Prerequisites)"
  done
}

# Polls a query until it prints something (e.g. a LoadBalancer IP); with --dry-run returns the placeholder.
wait_for_value() {
  local placeholder=$1 what=$2 value tries=60
  shift 2
  if $DRY_RUN; then
    query "$placeholder" "$@"
    return 0
  fi
  note "waiting for $what" >&2
  while ((tries-- > 0)); do
    value=$("$@" 2>/dev/null || true)
    if [[ -n $value ]]; then
      printf '%s\n' "$value"
      return 0
    fi
    sleep 10
  done
  die "timed out waiting for $what"
}

# istioctl of ISTIO_VERSION: the one on PATH if it is that version, else downloaded under tmp/istio/ (git-ignored).
istioctl_path() {
  local dir=$CLUSTER_ROOT/tmp/istio/istio-$ISTIO_VERSION
  if ! $DRY_RUN && command -v istioctl >/dev/null && [[ $(istioctl version --remote=false --short 2>/dev/null) == "$ISTIO_VERSION" ]]; then
    command -v istioctl
  elif [[ -x $dir/bin/istioctl ]]; then
    printf '%s\n' "$dir/bin/istioctl"
  else
    printf '%s\n' "$dir/bin/istioctl"
    return 1
  fi
}

# The name Istio's release downloads use for a machine architecture (uname -m), as istio.io/downloadIstio maps it.
istio_arch() {
  case $1 in
    x86_64 | amd64) echo amd64 ;;
    aarch64* | arm64 | armv8*) echo arm64 ;;
    armv*) echo armv7 ;;
    *) return 1 ;;
  esac
}

# ISTIO_ARCH if set (checked), else this machine's.
resolve_istio_arch() {
  local machine
  if [[ -n ${ISTIO_ARCH:-} ]]; then
    [[ $ISTIO_ARCH =~ ^(amd64|arm64|armv7)$ ]] || die "ISTIO_ARCH=$ISTIO_ARCH: expected amd64, arm64 or armv7"
  else
    machine=$(uname -m)
    ISTIO_ARCH=$(istio_arch "$machine") || die "Istio has no download for this machine ($machine): set ISTIO_ARCH to amd64, arm64 or armv7"
  fi
}
