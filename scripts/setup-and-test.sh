#!/usr/bin/env bash
# Set up what the tests need on a fresh Debian machine with Python 3.11 (Chromium and CJK fonts from
# Debian for the browser tests, the TrueType CJK font that briefings embed, poppler-utils to render
# briefing pages, the pinned Python packages) and run the whole test suite.
# PostgreSQL tests run when QY_TEST_PG_URL is set (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
need=()
for pkg in chromium fonts-noto-cjk fonts-wqy-microhei poppler-utils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >/dev/null
fi
ensure_venv requirements-dev.txt
exec .venv/bin/python -m pytest "$@"
