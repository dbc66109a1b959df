#!/usr/bin/env bash
# Make this machine able to run the containerized vrpsim lab (issue 10; docs/containers.md).
# Idempotent: safe to run on every CI start. Needs root (apt-get, /etc/containers).
# Why these settings (../shared/toolchain-notes.md "Real containers"): podman's default runtime crun
# fails on this machine kind (setrlimit / hybrid cgroups), runc works once podman stops forcing ulimits.
set -euo pipefail

need=()
for cmd in podman runc debootstrap; do
  command -v "$cmd" >/dev/null 2>&1 || need+=("$cmd")
done
if [ "${#need[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq podman runc debootstrap >/dev/null
fi

conf=/etc/containers/containers.conf
mkdir -p /etc/containers
if ! grep -q '^default_ulimits = \[\]' "$conf" 2>/dev/null || ! grep -q '^runtime = "runc"' "$conf" 2>/dev/null; then
  cat >"$conf" <<'CONF'
# written by netops.vrp containers/setup-host.sh
[containers]
default_ulimits = []

[engine]
runtime = "runc"
CONF
fi

podman --version
