"""Settings, read from the environment (``QY_*``) and an optional TOML file named by ``QY_CONFIG``.

This is the only module that reads the environment. The environment wins over the TOML file.

- ``QY_DATABASE_URL``: SQLAlchemy URL of the store (default: SQLite file data/qingyun.db)
- ``QY_LANG``: language of UI and reports, ``zh-CN`` (default) or ``en``
- ``QY_TZ``: local time zone; naive input times are read in it (default Asia/Shanghai)
- ``QY_REGION``: bounding box ``min_lng,min_lat,max_lng,max_lat`` that import accepts (China)
- ``QY_TILES``: basemap ``none`` (default), ``osm``, ``amap``, ``tianditu`` or a URL template
- ``QY_DEMO``: build the demo city on an empty store, ``1``/``0`` (default: on for SQLite)
- ``QY_MAX_UPLOAD_MB``: largest file the app accepts, in MiB (default 50)
- ``QY_MAX_IMPORT_ROWS``: most rows one import reads (default 50,000,000), counted while reading
- ``QY_MAX_IMPORT_CELLS``: most cells (rows x columns) one import reads (default 500,000,000)
- ``QY_MAX_UNPACKED_MB``: most bytes, in MiB, a container (XLSX, zipped Shapefile, KMZ) may
  unpack to, counted while inflating (default 4096)
- ``QY_IMPORT_CHUNK_ROWS``: rows an import reads, checks and writes at a time (default 100,000)
- ``QY_NIGHT``: night window ``HH:MM-HH:MM`` (default 20:00-06:00)
- ``QY_SESSION_MINUTES``: a login ends after this many minutes without activity (default 30)
- ``QY_LOGIN_ATTEMPTS``: failed logins in a row that lock a user (default 5)
- ``QY_LOCKOUT_MINUTES``: how long a locked user stays locked (default 15)
- ``QY_PRIVATE_ROLES``: roles that receive coverage coarsened so that no track can be rebuilt
  (:mod:`geo.domain.privacy`), comma-separated; default ``viewer`` (always included)
- ``QY_ADMIN_USER``, ``QY_ADMIN_PASSWORD``: on first start of a store without users, create this
  admin (the password is hashed at once; nothing else keeps it)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["CHINA_BBOX", "DEFAULT_NIGHT", "REPO_ROOT", "Settings", "default_db_url", "get_settings"]

REPO_ROOT = Path(__file__).resolve().parent.parent

# Mainland China with Hainan and the islands, WGS-84 degrees (min_lng, min_lat, max_lng, max_lat)
CHINA_BBOX: tuple[float, float, float, float] = (73.4, 18.1, 135.1, 53.6)
# The night window (local HH:MM-HH:MM) unless QY_NIGHT, the Settings page or the user say otherwise
DEFAULT_NIGHT = "20:00-06:00"


def default_db_url() -> str:
    """SQLite file ``data/qingyun.db`` inside the repository."""
    return f"sqlite:///{REPO_ROOT / 'data' / 'qingyun.db'}"


@dataclass(frozen=True)
class Settings:
    """Typed settings. Build with :func:`get_settings`; tests may use ``dataclasses.replace``."""

    database_url: str
    lang: str = "zh-CN"
    tz: str = "Asia/Shanghai"
    region: tuple[float, float, float, float] = CHINA_BBOX
    tiles: str = "none"
    demo: bool = True
    max_upload_mb: int = 50
    max_import_rows: int = 50_000_000
    max_import_cells: int = 500_000_000
    max_unpacked_mb: int = 4096
    import_chunk_rows: int = 100_000
    night: str = DEFAULT_NIGHT
    session_minutes: float = 30.0
    login_attempts: int = 5
    lockout_minutes: float = 15.0
    private_roles: frozenset[str] = frozenset({"viewer"})
    # the machine API (geo/api): body bytes, fix batches per second and burst per device token,
    # seconds between settles of live fixes (0: none), between looks for new alerts on the
    # event stream, and the internal URL new live alerts are posted to
    api_max_body: int = 1024 * 1024
    api_rate: float = 5.0
    api_burst: float = 20.0
    api_read_rate: float = 10.0  # reads per second a user token may make on average (burst 2x)
    live_settle_s: float = 15.0
    live_alerts_s: float = 2.0  # seconds between two computations of the live alerts (worker)
    api_stream_s: float = 5.0
    live_refresh_s: float = 5.0  # seconds between two refreshes of the Live page's data
    alert_webhook: str | None = None
    admin_user: str | None = None
    admin_password: str | None = field(default=None, repr=False)

    def with_(self, **changes: object) -> Settings:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _parse_bbox(text: str) -> tuple[float, float, float, float]:
    parts = [float(p) for p in str(text).replace(" ", "").split(",")]
    if len(parts) != 4 or not (parts[0] < parts[2] and parts[1] < parts[3]):
        msg = f"QY_REGION must be min_lng,min_lat,max_lng,max_lat, got {text!r}"
        raise ValueError(msg)
    return (parts[0], parts[1], parts[2], parts[3])


def _positive_int(name: str, value: object) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        n = 0
    if n <= 0:
        msg = f"{name} must be a whole number of MiB above 0, got {value!r}"
        raise ValueError(msg)
    return n


def _roles(raw: object) -> frozenset[str]:
    """``QY_PRIVATE_ROLES``: comma-separated roles (a TOML list too), the viewer always one."""
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    roles = {str(r).strip() for r in items if str(r).strip()} | {"viewer"}
    known = {"admin", "commander", "grid_manager", "viewer"}
    if roles - known:
        msg = f"QY_PRIVATE_ROLES: unknown role(s) {', '.join(sorted(roles - known))}"
        raise ValueError(msg)
    return frozenset(roles)


def _truthy(text: object) -> bool:
    return str(text).strip().lower() in {"1", "true", "yes", "on"}


def _positive(raw: object, default: float, name: str) -> float:
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = float(str(raw))
    except ValueError:
        value = -1.0
    if not value > 0:
        msg = f"{name} must be a positive number, got {raw!r}"
        raise ValueError(msg)
    return value


def _non_negative(raw: object, default: float, name: str) -> float:
    if raw is not None and str(raw).strip() in ("0", "0.0"):
        return 0.0
    return _positive(raw, default, name)


def get_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default ``os.environ``) and the TOML file in ``QY_CONFIG``."""
    env = dict(os.environ if env is None else env)
    file_values: dict[str, object] = {}
    if env.get("QY_CONFIG"):
        with open(env["QY_CONFIG"], "rb") as fh:
            file_values = {str(k).lower(): v for k, v in tomllib.load(fh).items()}

    def pick(name: str) -> object | None:
        if f"QY_{name.upper()}" in env:
            return env[f"QY_{name.upper()}"]
        return file_values.get(name)

    url = pick("database_url")
    database_url = str(url) if url else default_db_url()
    demo_raw = pick("demo")
    demo = _truthy(demo_raw) if demo_raw is not None else database_url.startswith("sqlite")
    region_raw = pick("region")
    lang = str(pick("lang") or "zh-CN")
    if lang not in ("zh-CN", "en"):
        msg = f"QY_LANG must be zh-CN or en, got {lang!r}"
        raise ValueError(msg)
    return Settings(
        database_url=database_url,
        lang=lang,
        tz=str(pick("tz") or "Asia/Shanghai"),
        region=_parse_bbox(str(region_raw)) if region_raw else CHINA_BBOX,
        tiles=str(pick("tiles") or "none"),
        demo=demo,
        max_upload_mb=_positive_int("QY_MAX_UPLOAD_MB", pick("max_upload_mb") or 50),
        max_import_rows=_positive_int("QY_MAX_IMPORT_ROWS", pick("max_import_rows") or 50_000_000),
        max_import_cells=_positive_int(
            "QY_MAX_IMPORT_CELLS", pick("max_import_cells") or 500_000_000
        ),
        max_unpacked_mb=_positive_int("QY_MAX_UNPACKED_MB", pick("max_unpacked_mb") or 4096),
        import_chunk_rows=_positive_int(
            "QY_IMPORT_CHUNK_ROWS", pick("import_chunk_rows") or 100_000
        ),
        night=str(pick("night") or DEFAULT_NIGHT),
        session_minutes=_positive(pick("session_minutes"), 30.0, "QY_SESSION_MINUTES"),
        login_attempts=int(_positive(pick("login_attempts"), 5, "QY_LOGIN_ATTEMPTS")),
        lockout_minutes=_positive(pick("lockout_minutes"), 15.0, "QY_LOCKOUT_MINUTES"),
        private_roles=_roles(pick("private_roles")),
        api_max_body=_positive_int("QY_API_MAX_BODY", pick("api_max_body") or 1024 * 1024),
        api_rate=_positive(pick("api_rate"), 5.0, "QY_API_RATE"),
        api_burst=_positive(pick("api_burst"), 20.0, "QY_API_BURST"),
        api_read_rate=_positive(pick("api_read_rate"), 10.0, "QY_API_READ_RATE"),
        live_settle_s=_non_negative(pick("live_settle_s"), 15.0, "QY_LIVE_SETTLE_S"),
        live_alerts_s=_positive(pick("live_alerts_s"), 2.0, "QY_LIVE_ALERTS_S"),
        api_stream_s=_positive(pick("api_stream_s"), 5.0, "QY_API_STREAM_S"),
        live_refresh_s=max(1.0, _positive(pick("live_refresh_s"), 5.0, "QY_LIVE_REFRESH_S")),
        alert_webhook=str(pick("alert_webhook")).strip() or None if pick("alert_webhook") else None,
        admin_user=str(pick("admin_user")) if pick("admin_user") else None,
        admin_password=str(pick("admin_password")) if pick("admin_password") else None,
    )
