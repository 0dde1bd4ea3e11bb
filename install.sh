#!/usr/bin/env bash
# mesos-sandbox set-up for a fresh Debian/Ubuntu machine: checks Node.js, installs the apt packages
# the cluster needs (ZooKeeper, a JRE, util-linux), installs npm dependencies, builds, and puts
# `sandbox` and `sandbox-node` on the PATH. Safe to run again: what is already there is only checked.
#
#   ./install.sh            # as root, or as a user with sudo
#   ./install.sh --docker   # also Docker (docker.io, started if not running) and debootstrap, for --driver docker
#   SANDBOX_BIN_DIR=~/bin ./install.sh   # where the commands are linked (default /usr/local/bin)
set -euo pipefail

with_docker=0
for arg in "$@"; do
  case "${arg}" in
    --docker) with_docker=1 ;;
    -h | --help)
      sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      printf '%s\n' "install.sh: unknown option '${arg}' (try --help)" >&2
      exit 2
      ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${SANDBOX_BIN_DIR:-/usr/local/bin}"
min_node_major=20
did=()

say() { printf '%s\n' "install.sh: $*"; }
fail() {
  printf '%s\n' "install.sh: $*" >&2
  exit 1
}

# ---- privileges ----
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  sudo="none"
fi

# ---- operating system ----
if [ ! -r /etc/os-release ] || ! grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; then
  fail "this installer knows Debian and Ubuntu only. Elsewhere, install by hand: Node.js >= ${min_node_major},
  Apache ZooKeeper (with a Java runtime) and util-linux; then run: npm ci && npm run build && npm link"
fi

# ---- Node.js ----
if ! command -v node >/dev/null 2>&1; then
  fail "Node.js is not installed. Install Node.js >= ${min_node_major} (e.g. from your distribution or nodejs.org) and run ./install.sh again."
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "${node_major}" -lt "${min_node_major}" ]; then
  fail "Node.js $(node --version) is too old: mesos-sandbox needs >= ${min_node_major}. Upgrade it and run ./install.sh again."
fi
say "Node.js $(node --version): ok"

# ---- apt packages ----
# python3 serves the example apps (http.server) and openssl makes test certificates; redis-server
# is what the `redis` package (fixtures/packages/redis) runs; iproute2's `ss -K` cuts an agent off
# from its master (mesos-sandbox/testing's partitionAgent); curl and jq are what README's tutorial
# talks to the cluster with.
packages=(zookeeper default-jre-headless util-linux procps python3 openssl unzip redis-server iproute2 curl jq)
# The Docker driver builds its node image from Debian's packages (no registry needed): debootstrap.
[ "${with_docker}" -eq 1 ] && packages+=(docker.io debootstrap)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "${sudo}" = "none" ]; then
    fail "these packages are missing and this user cannot install them (not root, no sudo): ${missing[*]}
  Ask an administrator to run: apt-get install -y ${missing[*]}"
  fi
  say "installing apt packages: ${missing[*]}"
  ${sudo} env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  ${sudo} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  did+=("installed ${missing[*]}")
else
  say "apt packages (${packages[*]}): ok"
fi
[ -f /usr/share/java/zookeeper.jar ] || fail "ZooKeeper's jar is missing at /usr/share/java/zookeeper.jar after installing 'zookeeper'"

# ---- Docker daemon ----
if [ "${with_docker}" -eq 1 ]; then
  if docker info >/dev/null 2>&1; then
    say "Docker daemon: ok"
  else
    [ "${sudo}" = "none" ] && fail "the Docker daemon is not running and this user cannot start it (not root, no sudo)"
    if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
      ${sudo} systemctl start docker
    else
      # No systemd (a container, a CI machine): run dockerd in the background, logging to a file.
      say "starting dockerd (log: /var/log/dockerd.log)"
      ${sudo} sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
    fi
    for _ in $(seq 1 100); do
      docker info >/dev/null 2>&1 && break
      sleep 0.2
    done
    docker info >/dev/null 2>&1 || fail "dockerd did not start; see /var/log/dockerd.log"
    did+=("started dockerd")
  fi
fi

# ---- npm dependencies and build ----
cd "${here}"
lock_stamp="node_modules/.package-lock.json"
if [ ! -f "${lock_stamp}" ] || [ package-lock.json -nt "${lock_stamp}" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  did+=("installed npm dependencies")
else
  say "npm dependencies: ok"
fi
newest_source="$(find src cli -name '*.ts' -newer dist/src/node/main.js 2>/dev/null | head -n 1 || true)"
if [ ! -f dist/src/node/main.js ] || [ ! -f dist/cli/sandbox.js ] || [ -n "${newest_source}" ] || [ package.json -nt dist/src/node/main.js ]; then
  say "building (npm run build)"
  npm run build --silent
  did+=("built dist/")
else
  say "build: up to date"
fi

# ---- commands on the PATH ----
link() {
  local name="$1" target="$2"
  if [ "$(readlink "${bin_dir}/${name}" 2>/dev/null)" = "${target}" ]; then
    say "${bin_dir}/${name}: ok"
    return
  fi
  if [ ! -w "${bin_dir}" ] && [ "${sudo}" = "none" ]; then
    fail "cannot write ${bin_dir} (not root, no sudo). Re-run with SANDBOX_BIN_DIR=\$HOME/.local/bin ./install.sh and put that directory on your PATH."
  fi
  local s="${sudo}"
  [ -w "${bin_dir}" ] && s=""
  ${s} mkdir -p "${bin_dir}"
  ${s} ln -sfn "${target}" "${bin_dir}/${name}"
  did+=("linked ${bin_dir}/${name}")
}
chmod +x dist/cli/sandbox.js dist/src/node/main.js
link sandbox "${here}/dist/cli/sandbox.js"
link sandbox-node "${here}/dist/src/node/main.js"

case ":${PATH}:" in
  *":${bin_dir}:"*) ;;
  *) say "note: ${bin_dir} is not on your PATH; add it (e.g. export PATH=\"${bin_dir}:\$PATH\")" ;;
esac

if [ "${#did[@]}" -eq 0 ]; then
  say "everything was already in place; nothing changed"
else
  say "done: $(IFS=';'; echo "${did[*]}")"
fi
say "next: sandbox up   (or: npm test)"
