#!/usr/bin/env bash
# Make sure a Redis answers on 127.0.0.1:6379, for the features that use one (the distributed
# queue, execution events) and their tests. Idempotent: a server that already answers is left
# alone. As root on Debian/Ubuntu it installs Debian's redis-server if missing and starts it with
# append-only persistence, so a restart keeps what was accepted. Prints the URL on stdout.
set -euo pipefail

HOST=127.0.0.1
PORT=6379
URL="redis://${HOST}:${PORT}/0"
DATA_DIR=/var/lib/coderunner-redis

log() { printf 'start-redis: %s\n' "$*" >&2; }

answers() { command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null)" = PONG ]; }

if answers; then
  log "already answering"
  echo "$URL"
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "no Redis answers at $URL and I cannot install one (need root on Debian/Ubuntu); start one yourself."
    exit 1
  fi
  log "installing Debian's redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
fi

# Our own server, not the distribution's service: CI containers have no init system.
mkdir -p "$DATA_DIR"
log "starting redis-server on $HOST:$PORT (append-only file in $DATA_DIR)"
redis-server --bind "$HOST" --port "$PORT" --dir "$DATA_DIR" --appendonly yes --appendfsync everysec \
  --daemonize yes --logfile /var/log/coderunner-redis.log --pidfile /run/coderunner-redis.pid

for _ in $(seq 1 30); do
  if answers; then
    log "ready: $(redis-server --version | awk '{print $3}')"
    echo "$URL"
    exit 0
  fi
  sleep 1
done
log "Redis did not answer on $HOST:$PORT within 30 s; see /var/log/coderunner-redis.log"
tail -n 20 /var/log/coderunner-redis.log >&2 || true
exit 1
