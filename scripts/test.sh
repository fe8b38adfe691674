#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then run every test.
# Debian packages: chromium + chromium-driver (real-browser tests), redis-server (scale-out tests),
# nginx (tests/test_nginx.py runs deploy/nginx.conf as the current user, under a temporary prefix).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=""
for pkg in chromium chromium-driver redis-server nginx; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    echo "installing Debian packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt
python3 -m pytest -q "$@"
