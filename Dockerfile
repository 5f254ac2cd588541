# The image of one app (worker, frontend or istiowatcher). Build context: the repository root.
#   docker build -f Dockerfile --build-arg APP=worker -t worker .
# The base images are build-args so a machine without registry access can substitute its own
# (tools/images/build-and-check.sh); the defaults are what Cloud Build uses.
#
# No EXPOSE: it is metadata that nothing here reads (Kubernetes takes containerPort from the
# generated manifests, tools/manifests), and one Dockerfile cannot derive a per-app port from APP;
# a build-arg would be a second home for each port, free to disagree with the app's PORT default.
ARG BUILD_IMAGE=node:22-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs22-debian12:nonroot

FROM ${BUILD_IMAGE} AS build
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /repo
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
# APP is declared after the workspace install so the three apps share that layer.
ARG APP
RUN test -n "${APP:-}" || { echo 'APP is not set: docker build -f Dockerfile --build-arg APP=<worker|frontend|istiowatcher> .' >&2; exit 1; }
COPY nx.json tsconfig.base.json ./
COPY tools/build tools/build
COPY libs libs
COPY apps apps
RUN ls apps | grep -qxF -- "$APP" || { echo "unknown APP '$APP': expected one of: $(ls apps | tr '\n' ' ')" >&2; exit 1; }
# The Nx build writes dist/apps/$APP: main.js, a package.json listing only what the bundle imports and
# the workspace lockfile pruned to those packages; npm ci installs exactly that tree (versions and
# integrity pinned), then type declarations, source maps and docs are dropped.
RUN npx nx build "$APP" --outputStyle=static \
 && cd "dist/apps/$APP" \
 && npm ci --omit=dev --ignore-scripts \
 && rm -rf node_modules/@types \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -iname '*.md' \) -delete

FROM ${RUNTIME_IMAGE}
ARG APP
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /repo/dist/apps/${APP}/ ./
# Distroless "nonroot"; numeric so Kubernetes can verify runAsNonRoot.
USER 65532:65532
# The base image's entrypoint is node (distroless; node images resolve a .js argument to node too).
CMD ["main.js"]
