"""zh-CN / en strings for the UI and reports. Every visible string goes through :func:`t`.

Strings live in ``geo/strings/*.py``, one module per part of the app (each defines ``STRINGS``:
key -> {"zh-CN": ..., "en": ...}); this module merges them and refuses a key defined twice.
"""

from __future__ import annotations

import importlib
import pkgutil

from geo import strings as _strings_pkg

__all__ = ["LANGS", "STRINGS", "t"]

LANGS = ("zh-CN", "en")


def _collect() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(_strings_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"geo.strings.{info.name}")
        for key, value in module.STRINGS.items():
            if key in merged:
                msg = f"string key {key!r} is defined twice (geo/strings/{info.name}.py)"
                raise ValueError(msg)
            merged[key] = value
    return merged


STRINGS: dict[str, dict[str, str]] = _collect()


def t(key: str, lang: str = "zh-CN", **values: object) -> str:
    """The string ``key`` in ``lang`` (zh-CN or en), formatted with ``values``.

    A missing key raises KeyError: a test checks that every key exists in both languages.
    """
    text = STRINGS[key]["en" if lang == "en" else "zh-CN"]
    return text.format(**values)
