#!/usr/bin/env bash
# Builds the sandbox images that are missing: from the Dockerfiles when base images can be pulled,
# otherwise offline: ONE Debian bookworm rootfs (debootstrap, then `docker import` as warmbox/base:2) that every
# language image derives from (`FROM warmbox/base:2` + `apt-get install --no-install-recommends` from Debian's mirror,
# built with --network host), so the rootfs is downloaded and unpacked once, and the images share that layer on disk.
# Usage: images/build.sh [python node shell typescript c cpp go rust java ruby php perl lua ...]   (default: all)
# WARMBOX_OFFLINE=1 skips the pull attempt. WARMBOX_IMAGE_REPO=warmbox-x tags the language images warmbox-x/<name>:2
# (tests build throwaway copies that way; the shared layer stays warmbox/base:2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=2
# A language image's tag: the shared version, or its own where its recipe changed since (a machine that holds the old
# image builds the new one). Kept equal to IMAGE_VERSIONS in daemon/profiles.ts (a unit test compares them).
image_version() { case $1 in java) echo 3 ;; *) echo "$version" ;; esac; }
repo=${WARMBOX_IMAGE_REPO:-warmbox}
[[ $repo =~ ^warmbox[a-z0-9._-]*$ ]] || { echo "images: WARMBOX_IMAGE_REPO must start with warmbox (got '$repo')" >&2; exit 2; }
all=(python node shell typescript c cpp go rust java ruby php perl lua)
profiles=("$@"); [ ${#profiles[@]} -gt 0 ] || profiles=("${all[@]}")
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
  local changes=(--change 'WORKDIR /work' --change "LABEL dev.warmbox.image=${name#*/}")
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

# The shared rootfs: Debian bookworm minbase, apt pointed at the mirror, dpkg told to skip docs in every derived image.
offline_base() {
  local name="warmbox/base:$version" t0=$SECONDS
  docker image inspect "$name" >/dev/null 2>&1 && return 0
  need_root_pkg debootstrap debootstrap
  local bb; bb=$(static_busybox)
  local dir; dir=$(mktemp -d)
  log "$name: debootstrap bookworm from $(mirror) (the shared layer, about a minute)"
  debootstrap --variant=minbase bookworm "$dir" "$(mirror)" > "$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; exit 1; }
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' 'path-exclude /usr/share/lintian/*' > "$dir/etc/dpkg/dpkg.cfg.d/01-warmbox-nodoc"
  printf '%s\n' 'APT::Install-Recommends "false";' 'APT::Install-Suggests "false";' > "$dir/etc/apt/apt.conf.d/01-warmbox"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc "$dir"/usr/share/man "$dir"/usr/share/locale "$dir"/usr/share/info
  add_runtime "$dir" "$bb"
  import "$dir" "$name" 'PATH=/usr/local/bin:/usr/bin:/bin' 'HOME=/work'
  rm -rf "$dir" "$dir.log"
  log "$name built in $((SECONDS - t0)) s"
}

# A language image: the shared rootfs + Debian packages. $1 name, $2 packages, $3 extra shell after the install, then ENV lines.
# $ctx (optional): a folder of images/<language>/ the extra shell finds at /tmp/ctx (e.g. java's prestart agent).
offline_derived() {
  local name=$1 pkgs=$2 extra=$3; shift 3
  local df; df=$(mktemp -d)
  [ -z "${ctx:-}" ] || cp -r "$ctx" "$df/ctx"
  {
    echo "FROM warmbox/base:$version"
    [ -z "${ctx:-}" ] || echo "COPY ctx/ /tmp/ctx/"
    # Another repo's copy (a test's throwaway tag) is built for real, not taken from warmbox's cached layers.
    [ "$repo" = warmbox ] || echo "LABEL dev.warmbox.repo=$repo"
    echo "RUN mkdir -p /usr/share/man/man1 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null \\"
    echo " && ${extra:-true} \\"
    echo " && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/* /usr/share/doc /usr/share/man /usr/share/locale /usr/share/info"
    for e in "$@"; do echo "ENV $e"; done
    echo "LABEL dev.warmbox.image=${name#*/}"
  } > "$df/Dockerfile"
  log "$name: apt-get install $pkgs (over warmbox/base:$version)"
  docker build --network host --force-rm -q -t "$name" "$df" >/dev/null 2>"$df/err" || { tail -20 "$df/err" >&2; rm -rf "$df"; exit 1; }
  rm -rf "$df"
}

build_one() {
  local p=$1 name="$repo/$1:$(image_version "$1")" t0=$SECONDS
  if docker image inspect "$name" >/dev/null 2>&1; then log "$name present, skipped"; return 0; fi
  if [ "${WARMBOX_OFFLINE:-}" != 1 ]; then
    log "$name: docker build from images/$p/Dockerfile"
    if timeout 600 docker build --force-rm -q -t "$name" "$here/$p" >/dev/null 2>"/tmp/warmbox-build-$p.err"; then
      log "$name built in $((SECONDS - t0)) s"; return 0
    fi
    log "$name: base image could not be pulled ($(tail -n1 "/tmp/warmbox-build-$p.err" | cut -c1-120)); using the offline recipe"
  fi
  case $p in
    shell) offline_shell "$name" ;;
    python) offline_derived "$name" python3 '' 'PYTHONUNBUFFERED=1' 'PYTHONDONTWRITEBYTECODE=1' ;;
    node) offline_derived "$name" nodejs '' ;;
    typescript) offline_derived "$name" 'nodejs esbuild' '' ;;
    c) offline_derived "$name" 'gcc libc6-dev' '' ;;
    cpp) offline_derived "$name" 'g++ libc6-dev' '' ;;
    go) offline_derived "$name" 'golang-go libc6-dev' '' 'CGO_ENABLED=0' 'GOFLAGS=-mod=mod' 'GOTOOLCHAIN=local' 'GOPROXY=off' ;;
    rust) offline_derived "$name" 'rustc libc6-dev' '' ;;
    java) ctx=$here/java/prestart offline_derived "$name" 'default-jdk-headless' 'sh /tmp/ctx/build.sh && rm -rf /usr/lib/jvm/*/lib/src.zip /usr/lib/jvm/*/jmods' ;;
    ruby) offline_derived "$name" ruby '' ;;
    php) offline_derived "$name" php-cli '' ;;
    perl) offline_derived "$name" perl '' ;;
    lua) offline_derived "$name" lua5.4 '' ;;
    *) echo "images: unknown profile image '$p' (known: ${all[*]})" >&2; exit 2 ;;
  esac
  log "$name built offline in $((SECONDS - t0)) s ($(docker image inspect -f '{{.Size}}' "$name" | awk '{printf "%.0f MB", $1/1e6}'))"
}

missing=()
for p in "${profiles[@]}"; do docker image inspect "$repo/$p:$(image_version "$p")" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -gt 0 ] || { log "all images present: ${profiles[*]}"; exit 0; }
# Tools for the offline recipe, installed once before the parallel builds (dpkg takes one install at a time).
static_busybox >/dev/null # every image carries warmbox's runtime
t_all=$SECONDS
log "building ${#missing[@]} image(s): ${missing[*]}"
# The shared layer first (only the offline recipe uses it), then the images two at a time: dpkg/apt inside each build
# is CPU-bound, more in parallel only queues on a small machine. WARMBOX_IMAGE_JOBS overrides.
if docker image inspect "warmbox/base:$version" >/dev/null 2>&1; then
  export WARMBOX_OFFLINE=1 # the shared layer is here: derive from it rather than pulling public bases
elif [ "${missing[*]}" != shell ]; then
  if [ "${WARMBOX_OFFLINE:-}" = 1 ] || ! timeout 120 docker pull -q debian:bookworm-slim >/dev/null 2>&1; then
    export WARMBOX_OFFLINE=1 # no public base image: every image takes the offline recipe
    offline_base
  fi
fi
jobs=${WARMBOX_IMAGE_JOBS:-2}
rc=0; running=0; done_n=0
for p in "${missing[@]}"; do
  if [ "$running" -ge "$jobs" ]; then wait -n || rc=1; running=$((running - 1)); done_n=$((done_n + 1)); log "progress: $done_n/${#missing[@]} done"; fi
  build_one "$p" & running=$((running + 1))
done
while [ "$running" -gt 0 ]; do wait -n || rc=1; running=$((running - 1)); done_n=$((done_n + 1)); log "progress: $done_n/${#missing[@]} done"; done
log "finished in $((SECONDS - t_all)) s"
exit $rc
