#!/usr/bin/env bash
# Builds the sandbox base root filesystem from Debian packages, without any registry:
# a minimal Debian trixie with what every sandbox needs and no compiler. That is the
# supervisor (crsup, compiled here in the chroot by a gcc that is purged right after),
# a shell, tar, and the sandbox's `coderunner` user. Written as a tar to $1; image
# labels as KEY=VALUE lines to $1.labels. Language images are Dockerfiles on top of it
# (docker/<lang>/Dockerfile) that install their own packages from the same mirror.
# Called by `coderunner images build` (as root: debootstrap and chroot need it).
set -euo pipefail
out=${1:?usage: build-rootfs.sh OUTPUT.tar}
here=$(cd "$(dirname "$0")" && pwd)
mirror=${CODERUNNER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
# Needed only to compile crsup; removed again before the tar is written.
build_only="gcc libc6-dev"

if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

root=$(mktemp -d /var/tmp/coderunner-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase "$suite" "$root" "$mirror" >&2
# Language recipes install their packages with coderunner-install: no recommends, this mirror.
echo "deb $mirror $suite main" >"$root/etc/apt/sources.list"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90coderunner"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
mkdir "$root/tmp/crsup"
cp "$here"/../supervisor/*.c "$here"/../supervisor/*.h "$root/tmp/crsup/"
in_root apt-get update -qq >&2
in_root apt-get install -y -qq $build_only >&2
in_root gcc -O2 -Wall -Wextra -Werror -o /usr/local/bin/crsup /tmp/crsup/crsup.c
in_root apt-get purge -y -qq --auto-remove $build_only >&2
rm -r "$root/tmp/crsup"
if in_root sh -c 'command -v cc || command -v gcc || command -v g++' >&2; then
  echo "build-rootfs: a compiler survived the purge" >&2
  exit 1
fi

# The sandbox user (the service runs each step under UIDs of its own; this one owns the
# workspace of a plain `docker run`), and the last step of every image recipe.
in_root groupadd -g 1000 coderunner
in_root useradd -u 1000 -g 1000 -M -d /workspace -s /usr/sbin/nologin coderunner
mkdir -m 0755 "$root/workspace"
install -m 0755 "$here/install" "$root/usr/local/sbin/coderunner-install"
install -m 0755 "$here/seal" "$root/usr/local/sbin/coderunner-seal"
in_root coderunner-seal

# What the sandbox never needs: package caches, docs and man pages.
rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
       "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
echo "debian_version=$(cat "$root/etc/debian_version")" >"$out.labels"
tar --numeric-owner -C "$root" -cf "$out" .
