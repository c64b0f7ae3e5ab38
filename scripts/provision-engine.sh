#!/usr/bin/env bash
# Make sure a Docker engine answers, installing and starting Debian's docker.io when
# we are root on Debian/Ubuntu and none does. Idempotent: a running engine is left alone.
set -euo pipefail

log() { printf 'provision-engine: %s\n' "$*" >&2; }

engine_answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "no Docker engine answers and I cannot install one (need root on Debian/Ubuntu)."
  log "Start Docker yourself (e.g. 'sudo systemctl start docker'), make sure 'docker info' works for this user, then run this again."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi

# A docker client on PATH that is not Debian's (e.g. /usr/local/bin/docker) still talks to the
# same socket, so it does not matter which one answers.
if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (no bridge: sandbox containers run with network none)"
  mkdir -p /var/log
  # No registry is reachable here and sandboxes never need a network, so no bridge and no iptables.
  nohup dockerd --bridge=none --iptables=false --ip6tables=false >/var/log/coderunner-dockerd.log 2>&1 &
fi

for _ in $(seq 1 60); do
  if engine_answers; then
    log "engine ready: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; see /var/log/coderunner-dockerd.log"
tail -n 20 /var/log/coderunner-dockerd.log >&2 || true
exit 1
