#!/usr/bin/env bash
# The whole of docs/deploy.md after the image build: clusters, Istio, the app. Flags are passed to each step.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
"$here/create-clusters.sh" "$@"
"$here/install-istio.sh" "$@"
"$here/deploy.sh" "$@"
