#!/usr/bin/env bash
# Installs the host packages tsk needs on Debian or Ubuntu, as root. Both `npm start` and
# `npm test` (and CI's .ci/run) call it; with --if-missing it does nothing when every command is
# already there, so it costs nothing on a prepared machine.
#
#   deploy/install.sh [--if-missing]
#
# Packages and why:
#   etcd-server        the etcd store backend and its tests (/usr/bin/etcd)
#   nftables iproute2  the runtime and agent network (nft, ip)
#   busybox-static     the offline base image and runtime tests
#   runc               the peer the runtime is benchmarked and compared against
#   podman             the test of tsk-runtime as podman's --runtime (test/runtime/podman.test.ts)
#   skopeo umoci docker-registry  image tests: a second registry client, OCI fixtures, a real registry
#   python3-grpcio protobuf-compiler protobuf-compiler-grpc  the test that builds a Python client
#                      from proto/ (Debian's python3-grpc-tools 1.14 predates proto3 `optional`,
#                      so the stubs come from Debian's protoc 3.21 and grpc_python_plugin)
#   hyperfine          timing peers in benchmarks
#   zsh                the test of tsctl's zsh completion script
#   debootstrap        `tsctl image bootstrap debian:bookworm`
set -euo pipefail

# command-or-path:package
NEEDS=(
  /usr/bin/etcd:etcd-server
  nft:nftables
  ip:iproute2
  /bin/busybox:busybox-static
  runc:runc
  podman:podman
  skopeo:skopeo
  umoci:umoci
  docker-registry:docker-registry
  protoc:protobuf-compiler
  hyperfine:hyperfine
  zsh:zsh
  debootstrap:debootstrap
  /usr/lib/python3/dist-packages/grpc:python3-grpcio
  grpc_python_plugin:protobuf-compiler-grpc
  /usr/lib/python3/dist-packages/google/protobuf:python3-protobuf
)

missing=()
for need in "${NEEDS[@]}"; do
  what=${need%%:*}
  pkg=${need##*:}
  if [[ $what == /* ]]; then
    [[ -e $what ]] || missing+=("$pkg")
  else
    command -v "$what" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done

if [[ ${1:-} == --if-missing && ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install.sh: every host package is present" >&2
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install.sh: missing host packages (${missing[*]}); run as root: sudo bash deploy/install.sh" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install.sh: missing host packages (${missing[*]}) and no apt-get; install them with your package manager" >&2
  exit 1
fi
echo "install.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# Debian starts these daemons on install; tsk's tests start their own on free ports.
for unit in etcd docker-registry; do
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$unit" >/dev/null 2>&1 || true; fi
done
