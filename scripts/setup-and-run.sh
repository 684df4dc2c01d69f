#!/usr/bin/env bash
# Set up Qingyun Patrol on a fresh Debian machine with Python 3.11 and run the app on the demo city.
# Idempotent: a second run reuses the virtualenv and the built demo store. Listens on
# http://localhost:8501 (the app) and http://127.0.0.1:8600/api/v1 (the machine API).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
# the TrueType CJK font that PDF briefings embed (reportlab cannot embed Noto CJK's CFF outlines)
if ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq fonts-wqy-microhei >/dev/null
fi
ensure_venv requirements.txt
# the demo city (in demo mode, on an empty store) is built here, with a progress bar, so that the
# first visit opens at once; a built store is reused as it is
.venv/bin/python -c 'from geo.services.demo import prepare_demo; print(prepare_demo(progress=True))'
# the machine API (device positions in, figures out) beside the app on http://127.0.0.1:8600/api/v1,
# stopped when the app stops
.venv/bin/python -m geo serve --host 127.0.0.1 --port 8600 &
api_pid=$!
trap 'kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true' EXIT
.venv/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false "$@"
