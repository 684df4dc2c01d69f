#!/usr/bin/env bash
# Set up Qingyun Patrol on a fresh Debian machine with Python 3.11 and run the app on the demo city.
# Idempotent: a second run reuses the virtualenv. Listens on http://localhost:8501.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
# the TrueType CJK font that PDF briefings embed (reportlab cannot embed Noto CJK's CFF outlines)
if ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq fonts-wqy-microhei >/dev/null
fi
ensure_venv requirements.txt
exec .venv/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false "$@"
