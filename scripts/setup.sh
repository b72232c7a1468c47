#!/usr/bin/env bash
# Sets up a fresh machine: Debian's chromium (end-to-end tests, and its SwiftShader Vulkan driver for
# the WebGPU backend on a CPU) when we may install it, then the npm packages; `npm ci` also builds.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "setup: chromium is not installed and this is not a root Debian shell; browser tests will skip or fail" >&2
  fi
fi
npm ci --no-audit --no-fund
