#!/usr/bin/env bash
# Set up Qingyun Patrol on a fresh Debian machine with Python 3.11 and run the app on the demo city.
# Idempotent: a second run reuses the virtualenv. Listens on http://localhost:8501.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
ensure_venv requirements.txt
exec .venv/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false "$@"
