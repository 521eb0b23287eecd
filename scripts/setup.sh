#!/usr/bin/env bash
# Install what remnant needs on a fresh Debian machine: GDAL's command-line tools (the
# tests check our files with Debian's ogrinfo) and the locked Python environment (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v ogrinfo >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gdal-bin >/dev/null
fi

python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
export UV_PYTHON_DOWNLOADS=never  # use the machine's Python; nothing is fetched but packages
python3 -m uv sync --locked --quiet
