"""The API's documentation page, offline: Swagger UI served by the server itself.

FastAPI's own page loads Swagger UI's script and styles from a CDN, which a police network does
not reach. The package ``swagger-ui-py`` (pinned in requirements.txt) ships Swagger UI 5 (it
reads OpenAPI 3.1, which FastAPI writes); only its static files are used here, found without
importing the package (whose ``__init__`` loads web-framework adapters we do not need).
:func:`swagger_page` is FastAPI's page pointed at those files, with the validator badge (which
calls an outside service) turned off.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

__all__ = ["SERVED", "swagger_files", "swagger_page"]

SERVED = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
"""The files of Swagger UI the page loads."""


@cache
def swagger_files() -> dict[str, Path]:
    """Each file of :data:`SERVED` by name, in the installed ``swagger-ui-py`` package.

    Raises
    ------
    ModuleNotFoundError
        When ``swagger-ui-py`` is not installed (``pip install -r requirements.txt``).
    """
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        msg = "swagger-ui-py is not installed: pip install -r requirements.txt"
        raise ModuleNotFoundError(msg)
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    return {name: static / name for name in SERVED if (static / name).is_file()}


def swagger_page(title: str, openapi_url: str, static_url: str) -> HTMLResponse:
    """Swagger UI on ``openapi_url``, its files from ``static_url`` (this server's route)."""
    return get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{static_url}/swagger-ui-bundle.js",
        swagger_css_url=f"{static_url}/swagger-ui.css",
        swagger_favicon_url=f"{static_url}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": False},
    )
