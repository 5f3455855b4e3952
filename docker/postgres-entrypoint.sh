#!/bin/sh
# Entry point of the todo-postgres image: create the cluster on first start, then run the server.
# The password comes from the environment (the chart maps it from the Secret) and is handed to
# initdb through a 0600 file in /tmp (an emptyDir), never on a command line or in a log.
set -eu
: "${PGDATA:?PGDATA must be set}"
user="${POSTGRES_USER:-todo}"
db="${POSTGRES_DB:-todo}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "todo-postgres: POSTGRES_PASSWORD is empty; put it in the Secret (the Tilt helper generates one with --db=postgres)" >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  umask 077
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  # Local socket: trust (only processes in this pod reach it); TCP: password (SCRAM) only.
  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
         --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  if [ "$db" != "postgres" ]; then
    echo "CREATE DATABASE \"$db\" OWNER \"$user\"" | postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
  echo "todo-postgres: initialized $PGDATA (database $db, user $user)"
fi
unset POSTGRES_PASSWORD
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql \
  -c shared_buffers=32MB -c max_connections=50
