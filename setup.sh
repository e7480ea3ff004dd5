#!/usr/bin/env bash
# Sets fluoro up on a Debian (bookworm) machine: the system packages it uses and tests against,
# the npm dependencies from the lock file, the BPF objects and the TypeScript build.
#
# Idempotent: every step checks before it acts, so a second run changes nothing and takes seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# Toolchain and libraries fluoro is built with, and the real programs it is tested on.
packages=(
  clang llvm make gcc libc6-dev libelf-dev # BPF objects and test programs
  libc6-dbg                                # libc's DWARF: lines and inlined frames for libc in tests
  libbpf-dev bpftool                       # libbpf.so.1 (loaded through koffi) and vmlinux.h
  linux-perf                               # perf, the reference tool in tests and benchmarks
  nginx-extras luajit2 libluajit2-5.1-dev  # OpenResty's LuaJIT2 in nginx and as a CLI
  python3 wrk util-linux procps            # targets, load, unshare, ps
  bpftrace libbpf-tools time               # the peers fluoro is benchmarked against (bench/), GNU time
  redis-server redis-tools                 # a second real server (and its benchmark) as a target
  chromium                                 # browser tests of the flame graph and the console
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then sudo=(sudo); else
      echo "setup: these packages are missing and installing them needs root: ${missing[*]}" >&2
      exit 1
    fi
  else sudo=(); fi
  say "installing ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  # Installing nginx must not start it: tests start their own servers on loopback ports.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Debian enables a default site on port 80 when nginx is installed; fluoro never needs it.
  "${sudo[@]}" sh -c 'command -v service >/dev/null && service nginx stop >/dev/null 2>&1 || true'
else
  say "system packages present"
fi

# npm dependencies, exactly as locked; skipped when the lock file has not changed since last time.
stamp=node_modules/.fluoro-lock
if [[ ! -f $stamp ]] || ! cmp -s package-lock.json "$stamp"; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
else
  say "npm dependencies up to date"
fi

# Upstream LuaJIT (Debian's libluajit-5.1-2) cannot be installed beside OpenResty's LuaJIT2: both
# own libluajit-5.1.so.2. Its library is unpacked into .cache/ as a test input for refusing an
# unknown LuaJIT build by name.
upstream=.cache/upstream-luajit
if [[ ! -e $upstream/usr/lib/x86_64-linux-gnu/libluajit-5.1.so.2 ]]; then
  say "unpacking upstream LuaJIT for tests"
  mkdir -p .cache/debs "$upstream"
  (cd .cache/debs && apt-get download -q libluajit-5.1-2 >/dev/null 2>&1) || true
  deb=$(ls .cache/debs/libluajit-5.1-2_*.deb 2>/dev/null | head -n 1)
  if [[ -n $deb ]]; then dpkg-deb -x "$deb" "$upstream"; else say "could not download libluajit-5.1-2 (its test will say so)"; fi
fi

say "building BPF objects"
make -s -C bpf

say "building TypeScript"
npx tsc -p .

say "ready: ./fluoro --help"
