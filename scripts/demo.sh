#!/usr/bin/env bash
# Install everything, then build the SYNTHETIC demo scenario in ./demo and summarise it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/remnant demo demo --overwrite "$@"
