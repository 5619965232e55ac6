#!/usr/bin/env bash
# Builds the sandbox images that are missing: from the Dockerfiles when base images can be pulled,
# otherwise offline (busybox-static and debootstrap from Debian's packages, then `docker import`).
# Usage: images/build.sh [python|node|shell ...]   (default: all)   WARMBOX_OFFLINE=1 skips the pull attempt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=2
profiles=("$@"); [ ${#profiles[@]} -gt 0 ] || profiles=(python node shell)
log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

docker info >/dev/null 2>&1 || { echo "images: Docker is not reachable (is dockerd running? try: sudo systemctl start docker)" >&2; exit 2; }

mirror() {
  local m
  m=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -oE 'https?://[^ ]+' | grep -v security | head -n1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

need_root_pkg() { # $1 = command, $2 = Debian package
  command -v "$1" >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || { echo "images: '$1' is missing; install Debian's $2" >&2; exit 2; }
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }
}

add_runtime() { # rootfs static-busybox
  # warmbox's runtime: PID 1 and its helpers run from this static busybox, so they need nothing else in the image.
  # The program runs as a uid of each sandbox's own (no passwd entry needed), so the image defines no user.
  mkdir -p "$1/opt/warmbox" "$1/work" "$1/tmp" "$1/run/warmbox"
  cp "$2" "$1/opt/warmbox/busybox"; chmod 0755 "$1/opt/warmbox/busybox"
  chmod 1777 "$1/tmp"
}

import() { # rootfs name env...
  local dir=$1 name=$2; shift 2
  local changes=(--change 'WORKDIR /work' --change "LABEL dev.warmbox.image=${name#warmbox/}")
  for e in "$@"; do changes+=(--change "ENV $e"); done
  # mktemp -d made the root 0700; Docker's overlay hides that, rootless Podman's storage keeps it (no uid could enter /).
  chmod 0755 "$dir"
  tar --numeric-owner -C "$dir" -c . | docker import "${changes[@]}" - "$name" >/dev/null
}

static_busybox() {
  dpkg -s busybox-static >/dev/null 2>&1 && { command -v busybox; return; }
  [ "$(id -u)" = 0 ] || { echo "images: the shell image needs Debian's busybox-static (a busybox that runs without a libc)" >&2; exit 2; }
  log "installing busybox-static"
  apt-get install -y -qq busybox-static >/dev/null || { apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null; }
  command -v busybox
}

offline_shell() {
  local bb; bb=$(static_busybox)
  local dir; dir=$(mktemp -d); mkdir -p "$dir/bin" "$dir/etc"
  cp "$bb" "$dir/bin/busybox"
  for a in $("$dir/bin/busybox" --list); do [ -e "$dir/bin/$a" ] || ln -s busybox "$dir/bin/$a"; done
  add_runtime "$dir" "$bb"
  import "$dir" "$1" 'PATH=/bin' 'HOME=/work'
  rm -rf "$dir"
}

offline_debian() { # name include-package env...
  local name=$1 pkg=$2; shift 2
  need_root_pkg debootstrap debootstrap
  local bb; bb=$(static_busybox)
  local dir; dir=$(mktemp -d)
  log "$name: debootstrap bookworm + $pkg from $(mirror) (about a minute)"
  debootstrap --variant=minbase --include="$pkg" bookworm "$dir" "$(mirror)" > "$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; exit 1; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc "$dir"/usr/share/man "$dir"/usr/share/locale "$dir"/usr/share/info
  add_runtime "$dir" "$bb"
  import "$dir" "$name" 'PATH=/usr/local/bin:/usr/bin:/bin' 'HOME=/work' "$@"
  rm -rf "$dir" "$dir.log"
}

build_one() {
  local p=$1 name="warmbox/$1:$version" t0=$SECONDS
  if docker image inspect "$name" >/dev/null 2>&1; then log "$name present, skipped"; return 0; fi
  if [ "${WARMBOX_OFFLINE:-}" != 1 ]; then
    log "$name: docker build from images/$p/Dockerfile"
    if timeout 600 docker build -q -t "$name" "$here/$p" >/dev/null 2>"/tmp/warmbox-build-$p.err"; then
      log "$name built in $((SECONDS - t0)) s"; return 0
    fi
    log "$name: base image could not be pulled ($(tail -n1 "/tmp/warmbox-build-$p.err" | cut -c1-120)); using the offline recipe"
  fi
  case $p in
    shell) offline_shell "$name" ;;
    python) offline_debian "$name" python3 'PYTHONUNBUFFERED=1' 'PYTHONDONTWRITEBYTECODE=1' ;;
    node) offline_debian "$name" nodejs ;;
    *) echo "images: unknown profile image '$p'" >&2; exit 2 ;;
  esac
  log "$name built offline in $((SECONDS - t0)) s ($(docker image inspect -f '{{.Size}}' "$name" | awk '{printf "%.0f MB", $1/1e6}'))"
}

missing=()
for p in "${profiles[@]}"; do docker image inspect "warmbox/$p:$version" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -gt 0 ] || { log "all images present: ${profiles[*]}"; exit 0; }
# Tools for the offline recipe, installed once before the parallel builds (dpkg takes one install at a time).
case " ${missing[*]} " in *" python "*|*" node "*) need_root_pkg debootstrap debootstrap ;; esac
static_busybox >/dev/null # every image carries warmbox's runtime
pids=()
for p in "${missing[@]}"; do build_one "$p" & pids+=($!); done
rc=0; for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
exit $rc
