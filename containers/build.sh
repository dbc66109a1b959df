#!/usr/bin/env bash
# Build the vrpsim router image offline (debootstrap rootfs + wheels from the host), unless the image
# for this tree's content hash exists already. Prints the tag. See docs/containers.md.
# Usage: containers/build.sh [--force]     (env VRPSIM_DEBIAN_MIRROR overrides the Debian mirror)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
exec "$PYTHON" -m vrpsim.containers build "$@"
