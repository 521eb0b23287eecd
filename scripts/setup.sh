#!/usr/bin/env bash
# Install what remnant needs on a fresh Debian machine, then the locked Python environment
# (.venv, with its bytecode compiled once here rather than on every run).
#   bash scripts/setup.sh         GDAL's command-line tools (ogrinfo checks our files) and
#                                 the Noto fonts for Arabic and Lao reports (fonts-noto-core)
#   bash scripts/setup.sh --test  also what the tests use: PostgreSQL 15 + PostGIS 3,
#                                 Chromium (dashboard tests), Poppler (PDF pages) and
#                                 PyQGIS (QGIS opens our GeoPackage as a GIS officer would)
# Everything is installed before any test starts. When another package manager holds the
# dpkg lock, apt-get waits for it (up to 20 minutes) instead of failing.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted=(ogrinfo:gdal-bin /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf:fonts-noto-core)
if [ "${1:-}" = "--test" ]; then
    wanted+=(/usr/lib/postgresql/15/bin/initdb:postgresql-15-postgis-3
             /usr/share/postgresql/15/extension/postgis.control:postgresql-15-postgis-3
             chromium:chromium pdftoppm:poppler-utils
             /usr/lib/python3/dist-packages/qgis/core/__init__.py:python3-qgis)
fi
missing=()
for pair in "${wanted[@]}"; do
    tool=${pair%%:*} package=${pair#*:}
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -e "$tool" ]; then
        [[ " ${missing[*]-} " == *" $package "* ]] || missing+=("$package")
    fi
done

apt() {  # apt-get, waiting for a lock another package manager holds
    local sudo="" tries=0
    [ "$(id -u)" = 0 ] || sudo="sudo"
    until DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=1200 -qq "$@"; do
        tries=$((tries + 1))
        [ "$tries" -lt 120 ] || return 1
        echo "setup: apt-get $1 failed (lock held?); trying again in 10 s" >&2
        sleep 10
    done
}
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    apt update
    apt install -y "${missing[@]}" >/dev/null
    # matplotlib lists the machine's fonts once: forget that list so new fonts are seen
    rm -f "${MPLCONFIGDIR:-$HOME/.cache/matplotlib}"/fontlist-*.json
fi

python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
export UV_PYTHON_DOWNLOADS=never  # use the machine's Python; nothing is fetched but packages
python3 -m uv sync --locked --quiet --compile-bytecode
.venv/bin/python -m compileall -q src >/dev/null  # our own modules too (an editable install)
