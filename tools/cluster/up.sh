#!/usr/bin/env bash
# The whole of docs/deploy.md after the image build: clusters, Istio, the app. Every step gets the
# common flags (resolved once, so all three use the same project); --tag and --registry go to
# deploy.sh only, so each script still refuses flags it does not use.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here=$(dirname "${BASH_SOURCE[0]}")

usage() {
  echo "usage: tools/cluster/up.sh [--dry-run] [--project ID] [--zone ZONE] [--tag TAG] [--registry REGISTRY]"
  echo "  --tag, --registry    passed to deploy.sh (see its --help)"
  usage_common
}
DEPLOY_FLAGS=()
script_flag() {
  case $1 in
    --tag | --registry) need_value "$@"; DEPLOY_FLAGS+=("$1" "$2") ;;
    *) return 1 ;;
  esac
  SCRIPT_FLAG_SHIFT=2
}
parse_flags "$@"
COMMON_FLAGS=(--project "$PROJECT_ID" --zone "$ZONE")
if $DRY_RUN; then COMMON_FLAGS+=(--dry-run); fi

"$here/create-clusters.sh" "${COMMON_FLAGS[@]}"
"$here/install-istio.sh" "${COMMON_FLAGS[@]}"
"$here/deploy.sh" "${COMMON_FLAGS[@]}" "${DEPLOY_FLAGS[@]}"
