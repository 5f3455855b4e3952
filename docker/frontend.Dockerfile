# Frontend (Next.js 16) image. Build context: frontend/.  Targets:
#   dev     - `next dev` (reloads on file change), all deps, /app owned by the runtime user so
#             Tilt's live update (tar over exec) can write as non-root.
#   runtime - Next standalone output + .next/static + public only: no npm deps tree, no dev
#             deps, no sources, no tests.
# One command builds both: `python3 -m scripts.images build --service frontend`.
# No "# syntax=" line on purpose: the engine's built-in BuildKit frontend works offline.

# node:22-slim rather than node:22-alpine: glibc and the same Debian family as our offline base
# (todo-app/base-node:<ver>-trixie-<hash>, Debian trixie + the official Node binary at
# /usr/local/bin/node), so the same commands, paths and prebuilt native packages (SWC, sharp)
# work with either base; alpine's musl would need other binaries.
ARG NODE_BASE=node:22-slim
# The app user's numeric ids and the listening port. Owner: the chart's values.yaml (runAsUser,
# runAsGroup, frontend.containerPort); the loop and scripts.images pass them (scripts/project.py).
# These defaults repeat them for a plain `docker build`.
ARG APP_UID=10001
ARG APP_GID=10001
ARG PORT=3000

FROM ${NODE_BASE} AS base
ARG APP_UID
ARG APP_GID
ARG PORT
RUN groupadd --system --gid ${APP_GID} app \
 && useradd --system --uid ${APP_UID} --gid ${APP_GID} --home-dir /home/app --create-home \
      --shell /usr/sbin/nologin app \
 && install -d -o ${APP_UID} -g ${APP_GID} /app
ENV NEXT_TELEMETRY_DISABLED=1 \
    HOSTNAME=0.0.0.0 \
    PORT=${PORT}
WORKDIR /app

# ---- dependencies: only the manifests, so code edits never re-run npm ----------------------
FROM base AS deps
COPY package.json package-lock.json ./
# build_ca: optional BuildKit secret with the host's CA bundle, for networks that intercept TLS
# (scripts.images passes it when SSL_CERT_FILE/NODE_EXTRA_CA_CERTS is set). Never stored in a layer.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=build_ca,target=/run/secrets/build_ca \
    if [ -s /run/secrets/build_ca ]; then export NPM_CONFIG_CAFILE=/run/secrets/build_ca; fi; \
    npm ci --no-audit --no-fund --loglevel=warn

# ---- build: next build with output: 'standalone' -------------------------------------------
FROM deps AS build
COPY . .
ENV NODE_ENV=production
# .next/cache as a cache mount: incremental `next build` across image builds, never in a layer.
RUN --mount=type=cache,target=/app/.next/cache,sharing=locked \
    set -e; \
    npm run build; \
    if [ ! -f .next/standalone/server.js ]; then \
      echo "next build produced no .next/standalone/server.js: set output: 'standalone' in next.config" >&2; \
      exit 1; \
    fi; \
    mkdir -p public; \
    if ls -d .next/standalone/node_modules/@img/sharp-linux-* >/dev/null 2>&1; then \
      rm -rf .next/standalone/node_modules/@img/sharp-wasm32; \
    fi
# ^ sharp's WebAssembly fallback (9 MB) is only loaded when no native build exists for the
#   platform; the native @img/sharp-linux-* package is present, so the fallback is dead weight.

# ---- dev -----------------------------------------------------------------------------------
FROM base AS dev
ARG APP_UID
ARG APP_GID
COPY --from=deps --chown=${APP_UID}:${APP_GID} /app/node_modules ./node_modules
COPY --chown=${APP_UID}:${APP_GID} . .
# next dev writes its output under .next/ (.next/dev, …). Create it owned by the runtime user: the
# chart mounts an emptyDir at .next/cache, and the runtime would otherwise create .next as root.
RUN install -d -o ${APP_UID} -g ${APP_GID} .next .next/cache
ENV NODE_ENV=development
USER ${APP_UID}:${APP_GID}
EXPOSE ${PORT}
# next directly (not via npm) so SIGTERM reaches the server process. `tilt up -- --debug=frontend`
# starts this same command with --inspect=127.0.0.1:9229 (scripts/tilt/plan.py reads it from here).
CMD ["node", "node_modules/next/dist/bin/next", "dev", "--hostname", "0.0.0.0"]
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=unknown
ARG NODE_BASE
LABEL org.opencontainers.image.title="todo-frontend-dev" \
      org.opencontainers.image.description="todo-app web UI (Next.js)" \
      org.opencontainers.image.base.name="${NODE_BASE}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.created="${CREATED}"

# ---- runtime -------------------------------------------------------------------------------
FROM base AS runtime
ARG APP_UID
ARG APP_GID
ENV NODE_ENV=production
COPY --from=build /app/.next/standalone ./
COPY --from=build /app/.next/static ./.next/static
COPY --from=build /app/public ./public
# The only path Next writes at run time (image/fetch cache); mount a tmpfs there when the root
# filesystem is read-only.
RUN install -d -o ${APP_UID} -g ${APP_GID} .next .next/cache
USER ${APP_UID}:${APP_GID}
EXPOSE ${PORT}
# No curl in slim images: Node 22 has fetch built in.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "server.js"]
# Metadata last: these args change every build and must not invalidate the layers above.
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=unknown
ARG NODE_BASE
ENV APP_VERSION=${VERSION}
LABEL org.opencontainers.image.title="todo-frontend" \
      org.opencontainers.image.description="todo-app web UI (Next.js)" \
      org.opencontainers.image.base.name="${NODE_BASE}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.created="${CREATED}"
