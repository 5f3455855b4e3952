# Backend (FastAPI) image. Build context: backend/.  Targets:
#   dev     - in-place reload (python -m app with UVICORN_RELOAD=true), dev deps, /app owned by
#             the runtime user so Tilt's live update (tar over exec) can write as non-root.
#   runtime - venv + app package only: no pip, no compilers, no tests, no .env/.git.
# One command builds both: `python3 -m scripts.images build --service backend`.
# No "# syntax=" line on purpose: the engine's built-in BuildKit frontend works offline.

# Official default. When no registry is reachable `scripts.images` passes the offline base
# (todo-app/base-python:3.13-trixie-<hash>: Debian trixie + Debian's python3.13, same commands).
ARG PYTHON_BASE=python:3.13-slim
# The app user's numeric ids and the listening port. Owner: the chart's values.yaml (runAsUser,
# runAsGroup, backend.containerPort); the loop and scripts.images pass them (scripts/project.py).
# These defaults repeat them for a plain `docker build`. A numeric USER is what runAsNonRoot needs,
# and ids that differ from the chart's break live-update sync.
ARG APP_UID=10001
ARG APP_GID=10001
ARG PORT=8000

FROM ${PYTHON_BASE} AS base
ARG APP_UID
ARG APP_GID
ARG PORT
RUN groupadd --system --gid ${APP_GID} app \
 && useradd --system --uid ${APP_UID} --gid ${APP_GID} --home-dir /home/app --create-home \
      --shell /usr/sbin/nologin app \
 && install -d -o ${APP_UID} -g ${APP_GID} /app /data
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DATA_DIR=/data \
    PORT=${PORT}
WORKDIR /app

# ---- dependencies: only the manifests, so code edits never re-run pip ----------------------
FROM base AS venv
RUN python -m venv /opt/venv
COPY requirements.txt ./
# build_ca: optional BuildKit secret with the host's CA bundle, for networks that intercept TLS
# (scripts.images passes it when SSL_CERT_FILE/PIP_CERT is set). Never stored in a layer.
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked \
    --mount=type=secret,id=build_ca,target=/run/secrets/build_ca \
    if [ -s /run/secrets/build_ca ]; then export PIP_CERT=/run/secrets/build_ca; fi; \
    pip install -r requirements.txt

# binutils only for `strip`, in a stage of its own so a requirements change does not re-run apt.
# Not pinned to a Debian version (hadolint DL3008, allowlisted in tests/chart/policy-allowlist.yaml):
# the mirror keeps only the current build, so a pin breaks at the next update, and no file of the
# package reaches the runtime image.
FROM base AS strip-tools
RUN apt-get update \
 && apt-get install -y --no-install-recommends binutils \
 && rm -rf /var/lib/apt/lists/*

# Runtime venv: no installers (pip is never needed to serve requests) and native extensions
# stripped of debug symbols (~40 MB: uvloop, SQLAlchemy, tokenizers, ...; code unchanged).
FROM strip-tools AS venv-runtime
COPY --from=venv /opt/venv /opt/venv
RUN python -m pip uninstall --yes --quiet pip \
 && find /opt/venv -type f -name '*.so*' -exec strip --strip-unneeded {} + \
 && find /opt/venv -depth -type d -name tests -path '*/site-packages/*' -exec rm -rf {} +

FROM venv AS venv-dev
COPY requirements-dev.txt ./
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked \
    --mount=type=secret,id=build_ca,target=/run/secrets/build_ca \
    if [ -s /run/secrets/build_ca ]; then export PIP_CERT=/run/secrets/build_ca; fi; \
    pip install -r requirements-dev.txt

# ---- dev: reloading server, tests and dev deps available for `pytest` in the container -----
FROM base AS dev
ARG APP_UID
ARG APP_GID
COPY --from=venv-dev /opt/venv /opt/venv
COPY --chown=${APP_UID}:${APP_GID} . .
ENV APP_ENV=development \
    UVICORN_RELOAD=true \
    PYTHONDONTWRITEBYTECODE=1
USER ${APP_UID}:${APP_GID}
EXPOSE ${PORT}
# In-place reloading server (devserver/: copied into this target only). `tilt up -- --debug=backend` starts this same
# command under debugpy on 127.0.0.1:5678 (scripts/tilt/plan.py reads it from here); debugpy is in
# requirements-dev.txt, so only this target has it.
CMD ["python", "-m", "app"]
# Metadata last: these args change every build and must not invalidate the layers above.
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=unknown
ARG PYTHON_BASE
ENV APP_VERSION=${VERSION} \
    BUILD_REVISION=${REVISION}
LABEL org.opencontainers.image.title="todo-backend-dev" \
      org.opencontainers.image.description="todo-app API (FastAPI)" \
      org.opencontainers.image.base.name="${PYTHON_BASE}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.created="${CREATED}"

# ---- runtime -------------------------------------------------------------------------------
FROM base AS runtime
ARG APP_UID
ARG APP_GID
COPY --from=venv-runtime /opt/venv /opt/venv
# Root-owned code (the app user can read, not modify). Precompiled because a read-only root
# filesystem means Python could not cache bytecode at start-up.
COPY alembic.ini ./
COPY app ./app
RUN python -m compileall -q app
ENV APP_ENV=production \
    MIGRATE_ON_START=true \
    PYTHONDONTWRITEBYTECODE=1
USER ${APP_UID}:${APP_GID}
EXPOSE ${PORT}
# No curl in slim images: probe with the interpreter that is already there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ['PORT'], timeout=4)"]
# python -m app: uvicorn serves /health at once while migrations run in the background.
CMD ["python", "-m", "app"]
# Metadata last: these args change every build and must not invalidate the layers above.
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=unknown
ARG PYTHON_BASE
ENV APP_VERSION=${VERSION} \
    BUILD_REVISION=${REVISION}
LABEL org.opencontainers.image.title="todo-backend" \
      org.opencontainers.image.description="todo-app API (FastAPI)" \
      org.opencontainers.image.base.name="${PYTHON_BASE}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.created="${CREATED}"
