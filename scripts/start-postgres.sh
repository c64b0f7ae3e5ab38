#!/usr/bin/env bash
# Make sure a PostgreSQL answers on 127.0.0.1:5432 with role/password coderunner/coderunner and
# database coderunner_test, for the store's integration tests. Idempotent: a server that already
# answers is left alone. As root on Debian/Ubuntu it installs Debian's postgresql if missing and
# starts (or creates) a cluster. Prints the URL to export as CODERUNNER_TEST_POSTGRES_URL on stdout.
set -euo pipefail

ROLE=coderunner
PASSWORD=coderunner
DATABASE=coderunner_test
HOST=127.0.0.1
PORT=5432
URL="postgresql+psycopg://${ROLE}:${PASSWORD}@${HOST}:${PORT}/${DATABASE}"

log() { printf 'start-postgres: %s\n' "$*" >&2; }

database_answers() {
  PGPASSWORD="$PASSWORD" PGCONNECT_TIMEOUT=3 "$BIN/psql" -h "$HOST" -p "$PORT" -U "$ROLE" -d "$DATABASE" \
    -XtAc 'SELECT 1' >/dev/null 2>&1
}

# Debian's versioned tools, never whatever pg_ctl is first on PATH (/usr/local/bin may hold another build).
newest_bin() { find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1; }

BIN="$(newest_bin)"
if [ -n "$BIN" ] && database_answers; then
  log "already answering"
  echo "$URL"
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "PostgreSQL does not answer at $URL and I cannot set one up (need root on Debian/Ubuntu)."
  log "Start a server yourself, create role $ROLE (password $PASSWORD) owning database $DATABASE, then run this again."
  exit 1
fi

if [ -z "$BIN" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  BIN="$(newest_bin)"
fi
VERSION="$(basename "$(dirname "$BIN")")"

# Reuse the cluster of that version listening on our port; create one when there is none.
CLUSTER="$(pg_lsclusters -h | awk -v v="$VERSION" -v p="$PORT" '$1 == v && $3 == p { print $2; exit }')"
if [ -z "$CLUSTER" ]; then
  CLUSTER=main
  if pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
    CLUSTER=coderunner
  fi
  log "creating cluster $VERSION/$CLUSTER on port $PORT"
  pg_createcluster --port "$PORT" "$VERSION" "$CLUSTER" >/dev/null
fi
DATA_DIR="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { print $6 }')"

# The socket directory lives on a tmpfs on most systems and is gone after a reboot.
install -d -o postgres -g postgres -m 2775 /var/run/postgresql

if [ "$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { print $4 }')" != online ]; then
  # A killed server leaves postmaster.pid behind. PostgreSQL ignores it only when that pid is free;
  # in a container the pid is often reused by another process, and then it refuses to start.
  pid_file="$DATA_DIR/postmaster.pid"
  if [ -f "$pid_file" ]; then
    pid="$(head -n 1 "$pid_file")"
    if ! grep -qs postgres "/proc/$pid/cmdline"; then
      log "removing stale $pid_file (pid $pid is not a postgres)"
      rm -f "$pid_file" "/var/run/postgresql/.s.PGSQL.$PORT.lock"
    fi
  fi
  log "starting cluster $VERSION/$CLUSTER"
  pg_ctlcluster "$VERSION" "$CLUSTER" start
fi

for _ in $(seq 1 60); do
  if "$BIN/pg_isready" -q -h "$HOST" -p "$PORT"; then
    break
  fi
  sleep 1
done
if ! "$BIN/pg_isready" -q -h "$HOST" -p "$PORT"; then
  log "PostgreSQL did not answer on $HOST:$PORT within 60 s; see /var/log/postgresql/postgresql-$VERSION-$CLUSTER.log"
  tail -n 20 "/var/log/postgresql/postgresql-$VERSION-$CLUSTER.log" >&2 || true
  exit 1
fi

as_postgres() { runuser -u postgres -- "$BIN/psql" -X -v ON_ERROR_STOP=1 -p "$PORT" -qtA "$@"; }

# Setting the password every time repairs a role whose password someone changed.
as_postgres -v role="$ROLE" -v password="$PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
SQL
as_postgres -v role="$ROLE" -v database="$DATABASE" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
SQL

if ! database_answers; then
  log "the server answers but $ROLE cannot log in to $DATABASE with a password over TCP; check pg_hba.conf of $VERSION/$CLUSTER"
  exit 1
fi
log "ready: $VERSION/$CLUSTER"
echo "$URL"
