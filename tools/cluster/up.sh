#!/usr/bin/env bash
# The whole of docs/deploy.md after the image build: clusters, Istio, the app. Every step gets the
# common flags (resolved once, so all three use the same project); --tag and --registry go to
# deploy.sh only and --with-kiali-jaeger to install-istio.sh only, so each script still refuses
# flags it does not use.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here=$(dirname "${BASH_SOURCE[0]}")

usage() {
  echo "usage: tools/cluster/up.sh [--dry-run] [--project ID] [--zone ZONE] [--tag TAG] [--registry REGISTRY] [--with-kiali-jaeger]"
  echo "  --tag, --registry    passed to deploy.sh (see its --help)"
  echo "  --with-kiali-jaeger  passed to install-istio.sh"
  usage_common
}
DEPLOY_FLAGS=()
ISTIO_FLAGS=()
script_flag() {
  case $1 in
    --tag | --registry) need_value "$@"; DEPLOY_FLAGS+=("$1" "$2"); SCRIPT_FLAG_SHIFT=2 ;;
    --with-kiali-jaeger) ISTIO_FLAGS+=("$1"); SCRIPT_FLAG_SHIFT=1 ;;
    *) return 1 ;;
  esac
}
parse_flags "$@"
COMMON_FLAGS=(--project "$PROJECT_ID" --zone "$ZONE")
if $DRY_RUN; then COMMON_FLAGS+=(--dry-run); fi

"$here/create-clusters.sh" "${COMMON_FLAGS[@]}"
"$here/install-istio.sh" "${COMMON_FLAGS[@]}" "${ISTIO_FLAGS[@]}"
"$here/deploy.sh" "${COMMON_FLAGS[@]}" "${DEPLOY_FLAGS[@]}"
