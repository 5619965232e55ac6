#!/usr/bin/env bash
# The engine suite: starts real engines beside the main one, runs test/engines/*.test.js against each, stops them.
#   one second dockerd (own socket, data root, exec root) with gVisor's runsc registered, listening on
#     a unix socket            -> reached through DOCKER_HOST, a `docker context create` context, and
#     tcp://127.0.0.1 with TLS -> certificates made here with openssl (DOCKER_TLS_VERIFY, and a TLS context)
#   a local sshd on 127.0.0.1 (own port, config and throwaway keys) whose sessions see the second dockerd
#     -> ssh://root@127.0.0.1 (the system ssh, `docker system dial-stdio`)
#   Podman's API service on its own socket and storage (`podman system service`)
# Nothing listens beyond loopback; no bridge or network is created (dockerd --bridge=none, podman: NetworkMode none).
# An engine whose tools are missing is reported as skipped by the tests, never passed. Cleans up on any exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
W=$(mktemp -d /tmp/wbeng-XXXXXX)
chmod 0755 "$W"
t0=$SECONDS
say() { printf '[engines %3ds] %s\n' "$((SECONDS - t0))" "$*"; }
pids=()

cleanup() {
  set +e
  say "stopping the engines"
  # Sessions of our sshd outlive its listener (a SIGKILLed daemon's ssh master lingers for ControlPersist): end them.
  if [ -n "${sport:-}" ]; then
    for p in $(ss -tnpH state established "( sport = :$sport )" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do kill "$p" 2>/dev/null; done
  fi
  # The rootless service's processes run as the throwaway user: end them, then remove the user.
  if [ -n "${RU:-}" ] && id "$RU" >/dev/null 2>&1; then
    for p in $(ps -o pid= -u "$RU"); do kill "$p" 2>/dev/null; done; sleep 0.5
    for p in $(ps -o pid= -u "$RU"); do kill -9 "$p" 2>/dev/null; done
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done; kill -9 "$p" 2>/dev/null; done
  if [ "${made_user:-0}" = 1 ]; then userdel "$RU" 2>/dev/null; sed -i "/^$RU:/d" /etc/subuid /etc/subgid; fi
  # The second dockerd's containerd shims and mounts live under $W: unmount before removing.
  grep -o " $W[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$W" 2>/dev/null
  say "engines stopped"
}
trap cleanup EXIT

# The scenarios use the python and shell profiles (node stays at minSize 0): the node image would only cost copy time.
IMAGES=(warmbox/python:2 warmbox/shell:2)
export WB_ENG_DIR=$W

# ---- second dockerd (unix + TLS tcp, runsc registered) ----
if ! command -v dockerd >/dev/null; then
  export WB_ENG_SKIP_DOCKERD="dockerd is not installed (Debian: docker.io)"
else
  mkdir -p "$W/d2/tls" "$W/d2/data" "$W/d2/exec"
  tls=$W/d2/tls
  if command -v openssl >/dev/null; then
    # A CA, a server certificate for 127.0.0.1 and a client certificate, as `dockerd --tlsverify` wants them.
    (
      cd "$tls"
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=warmbox-test-ca -keyout ca-key.pem -out ca.pem 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server-key.pem -out server.csr 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile server.ext -out server-cert.pem 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout key.pem -out client.csr 2>/dev/null
      printf 'extendedKeyUsage=clientAuth\n' >client.ext
      openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile client.ext -out cert.pem 2>/dev/null
    )
    port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    export WB_ENG_TLS_HOST="tcp://127.0.0.1:$port" WB_ENG_TLS_DIR=$tls
    tcp=(--host "tcp://127.0.0.1:$port" --tlsverify --tlscacert "$tls/ca.pem" --tlscert "$tls/server-cert.pem" --tlskey "$tls/server-key.pem")
  else
    export WB_ENG_SKIP_TLS="openssl is not installed"
    tcp=()
  fi
  runtimes='{}'
  if command -v runsc >/dev/null; then
    # gVisor with its own network stack off: sandboxes use NetworkMode none anyway, and it needs no netns setup.
    runtimes='{"runsc": {"path": "'"$(command -v runsc)"'", "runtimeArgs": ["--network=none"]}}'
  else
    export WB_ENG_SKIP_RUNSC="runsc is not installed (Debian: runsc)"
  fi
  printf '{"runtimes": %s}\n' "$runtimes" >"$W/d2/daemon.json"
  say "starting a second dockerd on $W/d2/docker.sock${WB_ENG_TLS_HOST:+ and $WB_ENG_TLS_HOST (TLS)}"
  dockerd --config-file "$W/d2/daemon.json" --host "unix://$W/d2/docker.sock" "${tcp[@]}" \
    --data-root "$W/d2/data" --exec-root "$W/d2/exec" --pidfile "$W/d2/docker.pid" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
    >"$W/d2/dockerd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 60); do docker -H "unix://$W/d2/docker.sock" info >/dev/null 2>&1 && break; sleep 0.5; done
  if docker -H "unix://$W/d2/docker.sock" info >/dev/null 2>&1; then
    export WB_ENG_DOCKER_SOCK=$W/d2/docker.sock
    say "copying images into it"
    docker save "${IMAGES[@]}" | docker -H "unix://$W/d2/docker.sock" load -q >/dev/null
    # (b) contexts, made by the Docker CLI in a private DOCKER_CONFIG (the user's own contexts stay untouched)
    export WB_ENG_DOCKER_CONFIG=$W/dockercfg
    DOCKER_CONFIG=$W/dockercfg docker context create wb-second --docker "host=unix://$W/d2/docker.sock" >/dev/null
    if [ -n "${WB_ENG_TLS_HOST:-}" ]; then
      DOCKER_CONFIG=$W/dockercfg docker context create wb-tls --docker "host=$WB_ENG_TLS_HOST,ca=$tls/ca.pem,cert=$tls/cert.pem,key=$tls/key.pem" >/dev/null
    fi
    DOCKER_CONFIG=$W/dockercfg docker context use wb-second >/dev/null
  else
    tail -20 "$W/d2/dockerd.log" >&2
    export WB_ENG_SKIP_DOCKERD="the second dockerd did not start (see its log above)"
  fi
fi

# ---- sshd on 127.0.0.1, sessions see the second dockerd ----
if [ -z "${WB_ENG_DOCKER_SOCK:-}" ]; then
  export WB_ENG_SKIP_SSH="no second dockerd to reach"
elif ! [ -x /usr/sbin/sshd ]; then
  export WB_ENG_SKIP_SSH="sshd is not installed (Debian: openssh-server)"
else
  mkdir -p "$W/ssh" /run/sshd
  chmod 0700 "$W/ssh"
  ssh-keygen -q -t ed25519 -N '' -f "$W/ssh/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$W/ssh/client_key"
  cp "$W/ssh/client_key.pub" "$W/ssh/authorized_keys"
  sport=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  cat >"$W/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $sport
HostKey $W/ssh/host_key
AuthorizedKeysFile $W/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $W/ssh/sshd.pid
SetEnv DOCKER_HOST=unix://$W/d2/docker.sock
EOF
  # The client's config: the throwaway key, this sshd's host key as the only known one, strict checking on.
  printf '127.0.0.1 %s\n' "$(cut -d' ' -f1,2 "$W/ssh/host_key.pub")" | sed "s/^127.0.0.1/[127.0.0.1]:$sport/" >"$W/ssh/known_hosts"
  cat >"$W/ssh/client_config" <<EOF
Host 127.0.0.1 wbtest
  HostName 127.0.0.1
  Port $sport
  User root
  IdentityFile $W/ssh/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $W/ssh/known_hosts
  StrictHostKeyChecking yes
  ControlPath $W/ssh/ctl
EOF
  /usr/sbin/sshd -D -e -f "$W/ssh/sshd_config" 2>"$W/ssh/sshd.log" &
  pids+=($!)
  for _ in $(seq 1 40); do ssh -F "$W/ssh/client_config" -o BatchMode=yes -o ControlMaster=no wbtest true 2>/dev/null && break; sleep 0.25; done
  if ssh -F "$W/ssh/client_config" -o BatchMode=yes -o ControlMaster=no wbtest docker version >/dev/null 2>&1; then
    export WB_ENG_SSH_HOST="ssh://root@127.0.0.1:$sport" WB_ENG_SSH_CONFIG=$W/ssh/client_config
    say "sshd on 127.0.0.1:$sport reaches the second dockerd"
  else
    tail -5 "$W/ssh/sshd.log" >&2
    export WB_ENG_SKIP_SSH="the local sshd did not let the test in (see its log above)"
  fi
fi

# ---- Podman's Docker-compatible API ----
if ! command -v podman >/dev/null; then
  export WB_ENG_SKIP_PODMAN="podman is not installed (Debian: podman)"
else
  P=(podman --root "$W/podman/root" --runroot "$W/podman/run" --tmpdir "$W/podman/tmp")
  mkdir -p "$W/podman/tmp"
  say "copying images into Podman"
  if docker save "${IMAGES[@]}" | "${P[@]}" load -q >/dev/null 2>"$W/podman/load.log"; then
    "${P[@]}" system service --time=0 "unix://$W/podman/podman.sock" >"$W/podman/service.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 40); do curl -sf --unix-socket "$W/podman/podman.sock" http://d/_ping >/dev/null 2>&1 && break; sleep 0.25; done
    if curl -sf --unix-socket "$W/podman/podman.sock" http://d/_ping >/dev/null 2>&1; then
      export WB_ENG_PODMAN_SOCK=$W/podman/podman.sock
      say "podman $(podman --version | awk '{print $3}') serves $WB_ENG_PODMAN_SOCK"
    else
      tail -5 "$W/podman/service.log" >&2
      export WB_ENG_SKIP_PODMAN="podman system service did not answer (see its log above)"
    fi
  else
    cat "$W/podman/load.log" >&2
    export WB_ENG_SKIP_PODMAN="podman load failed"
  fi
fi

# ---- rootless Podman: a throwaway user of its own (removed at the end), its own storage and socket ----
if ! command -v podman >/dev/null || ! command -v newuidmap >/dev/null; then
  export WB_ENG_SKIP_ROOTLESS="rootless Podman needs podman and newuidmap (Debian: podman, uidmap)"
elif ! command -v useradd >/dev/null; then
  export WB_ENG_SKIP_ROOTLESS="no useradd to make a throwaway user"
else
  RU=wbeng-rootless
  if ! id "$RU" >/dev/null 2>&1; then useradd -M -d "$W/rl" -s /bin/sh "$RU" && made_user=1; fi
  grep -q "^$RU:" /etc/subuid || { echo "$RU:300000:65536" >>/etc/subuid; echo "$RU:300000:65536" >>/etc/subgid; }
  mkdir -p "$W/rl/xdg" && chmod 0700 "$W/rl/xdg" && chown -R "$RU" "$W/rl"
  # `docker export` gives the image's files with a 0755 root (images built before build.sh's chmod have a 0700 one).
  cid=$(docker create warmbox/shell:2 /opt/warmbox/busybox true)
  docker export "$cid" >"$W/rl/shell.tar"; docker rm "$cid" >/dev/null; chown "$RU" "$W/rl/shell.tar"
  RP="podman --storage-driver vfs --root $W/rl/root --runroot $W/rl/run"
  if su "$RU" -c "cd $W/rl && XDG_RUNTIME_DIR=$W/rl/xdg HOME=$W/rl $RP import -q --change 'ENV PATH=/bin' --change 'WORKDIR /work' $W/rl/shell.tar warmbox/shell:2" >/dev/null 2>"$W/rl/import.log"; then
    su "$RU" -c "cd $W/rl && XDG_RUNTIME_DIR=$W/rl/xdg HOME=$W/rl exec $RP system service --time=0 unix://$W/rl/podman.sock" >"$W/rl/service.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 40); do curl -sf --unix-socket "$W/rl/podman.sock" http://d/_ping >/dev/null 2>&1 && break; sleep 0.25; done
    if curl -sf --unix-socket "$W/rl/podman.sock" http://d/_ping >/dev/null 2>&1; then
      export WB_ENG_ROOTLESS_SOCK=$W/rl/podman.sock
      say "rootless podman (user $RU) serves $WB_ENG_ROOTLESS_SOCK"
    else
      tail -5 "$W/rl/service.log" >&2
      export WB_ENG_SKIP_ROOTLESS="rootless podman system service did not answer (see its log above)"
    fi
  else
    cat "$W/rl/import.log" >&2
    export WB_ENG_SKIP_ROOTLESS="rootless podman import failed"
  fi
fi

say "engines ready; running the scenarios"
npx mocha --config .mocharc.json --timeout 90000 "${@:-out/test/engines}"
