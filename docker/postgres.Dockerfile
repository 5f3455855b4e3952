# PostgreSQL for the dev loop's `--db=postgres` (chart: postgresql.enabled). Build context: docker/.
# One command builds it: `python3 -m scripts.images.postgres` (Tilt builds it itself with --db=postgres).
# No "# syntax=" line on purpose: the engine's built-in BuildKit frontend works offline.

# Official image when a registry is reachable; otherwise scripts.images passes the offline Debian
# trixie base (todo-app/base-python:...), and Debian's postgresql-17 package is installed on it.
# Both put the server in /usr/lib/postgresql/17/bin.
ARG POSTGRES_BASE=postgres:17
FROM ${POSTGRES_BASE}
ARG PG_MAJOR=17
# The app user's numeric ids. Owner: the chart's values.yaml (runAsUser/runAsGroup); the loop and
# scripts.images pass them (scripts/project.py). The defaults repeat them for a plain `docker build`.
ARG APP_UID=10001
ARG APP_GID=10001
# createcluster.conf: Debian's package would otherwise create (and own) a cluster we never use.
# postgresql-17 is not pinned to a Debian version (hadolint DL3008, allowlisted in
# tests/chart/policy-allowlist.yaml): the mirror keeps only the current build of a package, so a pin
# breaks the image at the next security update; the base image already fixes the suite.
RUN if [ ! -x /usr/lib/postgresql/${PG_MAJOR}/bin/postgres ]; then \
      mkdir -p /etc/postgresql-common \
      && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
      && apt-get update \
      && apt-get install -y --no-install-recommends postgresql-${PG_MAJOR} \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
 && (getent group ${APP_GID} >/dev/null || groupadd --system --gid ${APP_GID} app) \
 && (getent passwd ${APP_UID} >/dev/null || useradd --system --uid ${APP_UID} --gid ${APP_GID} --no-create-home \
      --home-dir /var/lib/postgresql --shell /usr/sbin/nologin app) \
 && install -d -o ${APP_UID} -g ${APP_GID} -m 0775 /var/run/postgresql /var/lib/postgresql/data
ENV PATH=/usr/lib/postgresql/${PG_MAJOR}/bin:$PATH \
    PGDATA=/var/lib/postgresql/data/pgdata
COPY postgres-entrypoint.sh /usr/local/bin/todo-postgres-entrypoint
# initdb needs the running uid in /etc/passwd: the chart's runAsUser is `app` here too.
USER ${APP_UID}:${APP_GID}
EXPOSE 5432
# SIGINT = PostgreSQL's "fast" shutdown: SIGTERM ("smart") would wait for the backend's pooled
# connections to close and be killed at the end of the grace period instead.
STOPSIGNAL SIGINT
# For `docker run` and compose: Kubernetes ignores HEALTHCHECK and uses the chart's probes (the
# same pg_isready over TCP). A start period for initdb on first start.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]
ENTRYPOINT ["/bin/sh", "/usr/local/bin/todo-postgres-entrypoint"]
ARG POSTGRES_BASE
LABEL org.opencontainers.image.title="todo-postgres" \
      org.opencontainers.image.description="PostgreSQL for the todo-app dev loop (non-root, read-only root)" \
      org.opencontainers.image.base.name="${POSTGRES_BASE}"
