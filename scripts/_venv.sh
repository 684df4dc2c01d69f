# Shared by the setup scripts: make .venv with the pinned packages (sourced, not run).
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_venv() {
  local req="$1"
  if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv 2>/dev/null; then
      as_root apt-get update -qq
      DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv >/dev/null
      rm -rf .venv && python3 -m venv .venv
    fi
  fi
  local stamp=".venv/.installed-$(cat requirements.txt "$req" | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r "$req"
    touch "$stamp"
  fi
  # H3 C library for fast H3 indexing (geo/domain/_h3c, a few seconds; a no-op when already built). On
  # failure it prints one line and geo.domain.hexes falls back to h3ronpy, so setup goes on.
  .venv/bin/python -m geo.domain._h3c.build --quiet || true
}
