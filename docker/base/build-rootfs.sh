#!/usr/bin/env bash
# Builds the sandbox base root filesystem from Debian packages, without any registry:
# a minimal Debian trixie with the compilers and runtimes of every language
# (docker/*/packages), written as a tar to $1, and the
# versions of its toolchain as KEY=VALUE lines to $1.labels.
# Called by `coderunner images build` (as root: debootstrap needs it).
set -euo pipefail
out=${1:?usage: build-rootfs.sh OUTPUT.tar}
here=$(cd "$(dirname "$0")" && pwd)
mirror=${CODERUNNER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
# The base's own packages, then each language's (docker/<lang>/packages).
shopt -s nullglob
packages=$(cat "$here"/../*/packages | grep -v '^#' | xargs | tr ' ' ',')

if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

root=$(mktemp -d /var/tmp/coderunner-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >&2
# What the sandbox never needs: package caches, docs and man pages (about 100 MB).
rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
       "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
# Versions the service reports with every result, as image labels (KEY=VALUE lines).
{
  echo "compiler_version=g++ $(chroot "$root" dpkg-query -W -f='${Version}' g++-14)"
  echo "doctest_version=$(chroot "$root" dpkg-query -W -f='${Version}' doctest-dev)"
  # Each language's labels (docker/<lang>/labels: KEY=COMMAND lines run in the root filesystem).
  for labels in "$here"/../*/labels; do
    grep -v '^#' "$labels" | while IFS='=' read -r key command; do
      if [ -n "$key" ]; then echo "$key=$(chroot "$root" sh -c "$command")"; fi
    done
  done
} >"$out.labels"
tar --numeric-owner -C "$root" -cf "$out" .
