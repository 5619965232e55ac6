#!/usr/bin/env bash
# One script for "make sure a container engine answers", shared by `npm run demo` and .ci/run.
#   scripts/engine.sh ensure [--yes]   an engine must answer; on Debian/Ubuntu with none installed, say what is about to
#                                      happen, ask (unless --yes, which CI passes), install docker.io and start it, as
#                                      root or through sudo. On macOS/Windows: say which engine to start, and stop.
#   scripts/engine.sh test-tools       install what test/engines/run.sh uses (podman, runsc, openssh-server, openssl)
# Never silent: every install or start is announced first.
set -euo pipefail
cmd=${1:-ensure}
yes=0; [ "${2:-}" = --yes ] && yes=1
say() { printf 'warmbox: %s\n' "$*" >&2; }

sudo_cmd() { # runs "$@" as root: directly, or through sudo when a terminal can ask for the password
  if [ "$(id -u)" = 0 ]; then "$@"; return; fi
  if command -v sudo >/dev/null && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then sudo "$@"; return; fi
  say "this needs root: run it yourself, then try again:"
  say "  sudo $*"
  exit 1
}

answers() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }

confirm() { # $1: what is about to happen
  say "$1"
  [ $yes = 1 ] && return 0
  if [ -t 0 ]; then
    read -r -p "warmbox: go ahead? [y/N] " a
    case "$a" in y | Y | yes) return 0 ;; esac
  fi
  say "nothing was changed. Do it yourself (see README, \"Where is my Docker?\") or run: bash scripts/engine.sh ensure --yes"
  exit 1
}

apt_install() { # packages...
  command -v apt-get >/dev/null || { say "no apt-get here: install $* with your package manager and try again"; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd apt-get update -qq
  sudo_cmd apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

start_dockerd() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    say "starting Docker: systemctl start docker"
    sudo_cmd systemctl start docker
  else
    # No systemd (a container, WSL without it, CI): dockerd in the background. No bridge and no iptables rules:
    # sandboxes run with NetworkMode none, so they need neither.
    say "starting dockerd in the background (log: /tmp/warmbox-dockerd.log; no bridge, no iptables)"
    sudo_cmd sh -c 'nohup dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false >/tmp/warmbox-dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do answers && return 0; sleep 1; done
  tail -20 /tmp/warmbox-dockerd.log >&2 2>/dev/null || true
  say "Docker did not answer within 60 s"
  exit 1
}

ensure() {
  if answers; then return 0; fi
  case "$(uname -s)" in
    Darwin)
      say "no Docker Engine answers. Start one of: Docker Desktop (open -a Docker), Colima (colima start), Podman (podman machine start),"
      say "or pick a running one with \`docker context use NAME\`; then run this again."
      exit 1 ;;
    MINGW* | MSYS* | CYGWIN*)
      say "no Docker Engine answers. Start Docker Desktop (or \`podman machine start\`), then run this again."
      exit 1 ;;
  esac
  if command -v dockerd >/dev/null; then
    confirm "Docker is installed but does not answer: about to start it."
    start_dockerd
  elif command -v apt-get >/dev/null; then
    confirm "no Docker Engine is installed: about to install Debian's docker.io (apt-get install docker.io) and start it."
    apt_install docker.io
    start_dockerd
  else
    say "no Docker Engine answers and none is installed: install Docker (https://docs.docker.com/engine/install/) or Podman, start it, and run this again."
    exit 1
  fi
  say "Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null) answers"
}

test_tools() {
  local pkgs=()
  command -v podman >/dev/null || pkgs+=(podman)
  command -v runsc >/dev/null || pkgs+=(runsc)
  command -v newuidmap >/dev/null || pkgs+=(uidmap) # rootless Podman
  [ -x /usr/sbin/sshd ] || pkgs+=(openssh-server)
  command -v openssl >/dev/null || pkgs+=(openssl)
  command -v curl >/dev/null || pkgs+=(curl)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  say "installing for the engine tests: ${pkgs[*]}"
  apt_install "${pkgs[@]}"
}

case "$cmd" in
  ensure) ensure ;;
  test-tools) test_tools ;;
  *) say "usage: scripts/engine.sh ensure [--yes] | test-tools"; exit 2 ;;
esac
