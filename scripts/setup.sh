#!/usr/bin/env bash
# Sets up a fresh machine: Debian's chromium (end-to-end tests, and its SwiftShader Vulkan driver for
# the WebGPU backend on a CPU) and Debian's python3-torch (the torch backend, CPU build) when we may
# install them, then the npm packages; `npm ci` also builds.
set -euo pipefail
cd "$(dirname "$0")/.."

# A Python with torch the engine would find (docs/pytorch.md): FUSEBENCH_PYTHON, python3, /usr/bin/python3.
have_torch() {
  local py
  for py in "${FUSEBENCH_PYTHON:-}" python3 /usr/bin/python3; do
    if [ -n "$py" ] && "$py" -c 'import torch' >/dev/null 2>&1; then return 0; fi
  done
  return 1
}

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
have_torch || packages+=(python3 python3-torch)
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    echo "setup: ${packages[*]} not installed and this is not a root Debian shell; browser tests will skip or fail," \
      "torch tests skip (or point FUSEBENCH_PYTHON at a Python with torch, e.g. a venv)" >&2
  fi
fi
npm ci --no-audit --no-fund
