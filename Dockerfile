# syntax=docker/dockerfile:1
#
# One image for all four Nostro apps. Pick the app with the command:
#   docker run nostro:0.1.0                                                   -> gateway (default)
#   docker run nostro:0.1.0 node dist/apps/fx-quote/src/main.js               -> fx-quote
#   docker run nostro:0.1.0 node dist/apps/settlement/src/main.js migrate     -> settlement migrations, then exit
# or build with `--build-arg APP=<app>` to change the default command.
#
# The runtime stage runs as a numeric non-root user, owns none of its files and writes nothing outside
# /tmp, so it runs with a read-only root filesystem (docker run --read-only --tmpfs /tmp, or
# readOnlyRootFilesystem in Kubernetes with an emptyDir on /tmp).

# Pinned Node.js 20 LTS on Debian bookworm (slim). For reproducible production builds pin the digest too:
#   --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:<digest>
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- build: full dependency tree, compile to dist/ ------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# patch-package applies these after install (postinstall): kafkajs's idle-timer fix (patches/).
COPY patches ./patches
# npm ci installs exactly the locked tree; the lockfile records every platform's optional packages.
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
# scripts/build.mjs compiles to dist/ and copies what the apps read at run time beside the code
# (apps/*/migrations, libs/platform/migrations, apps/fx-quote/rates -> dist/...): check that it did.
RUN npm run build \
 && rm -f dist/.tsbuildinfo \
 && for dir in apps/*/migrations libs/*/migrations; do \
      if [ -d "$dir" ] && [ ! -d "dist/$dir" ]; then echo "build did not copy $dir into dist/" >&2; exit 1; fi; \
    done

# ---- prod-deps: production dependencies only --------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# No install scripts: no production dependency needs one, and it keeps the runtime tree free of build output.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts
# patch-package is a development tool: take kafkajs as the build stage patched it.
COPY --from=build /app/node_modules/kafkajs ./node_modules/kafkajs

# ---- runtime ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG APP=gateway
LABEL org.opencontainers.image.title="nostro" \
      org.opencontainers.image.description="Nostro settlement cluster: gateway, fx-quote, settlement, ledger-node" \
      org.opencontainers.image.licenses="Apache-2.0"
# A larger young generation (32 MiB semi-spaces): the services allocate fast under load, and with the 16 MiB
# default their scavenges cost 10-20 % of CPU; measured in npm run bench (README, Performance).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32 \
    HOST=0.0.0.0 \
    TMPDIR=/tmp \
    NOSTRO_APP=${APP} \
    npm_config_update_notifier=false \
    npm_config_cache=/tmp/.npm
WORKDIR /app
# Everything below is owned by root: the app user (uid 1000, "node" in the base image) reads it, never changes it.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
# dist/ holds the compiled apps, the @nostro/* shims and the SQL migrations and rate snapshots.
COPY --from=build /app/dist ./dist
USER 1000:1000
# gateway 3000 (ops console under /ops), fx-quote 3001, settlement 3002, ledger-node 3010 (PORT overrides each).
EXPOSE 3000 3001 3002 3010
STOPSIGNAL SIGTERM
# The apps shut down gracefully on SIGTERM; node is PID 1 here, so use `init: true` (compose) or a
# Kubernetes pod (the pause container reaps) if child processes ever appear.
CMD ["sh", "-c", "exec node \"dist/apps/${NOSTRO_APP}/src/main.js\""]
