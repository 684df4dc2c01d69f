"""Escaping what users typed before it reaches a screen, a file or a spreadsheet.

Names, headers and values come from users' files: pages show them as text (never as Markdown or
HTML), and every CSV or table download prefixes a cell a spreadsheet would run as a formula with
``'`` (OWASP's advice for CSV exports opened in Excel or WPS).
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["formula_safe", "md_escape", "neutralise_formulas"]

_FORMULA = re.compile(r"^(?:\s*[=+\-@]|[\t\r\n])")


_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def formula_safe(value: object) -> object:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula.

    Such text starts with =, +, -, @ (also after spaces) or with a tab or line break; plain
    numbers such as ``-3.5`` stay as they are.
    """
    if not isinstance(value, str) or not _FORMULA.match(value) or _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and headers cannot run as spreadsheet formulas.

    Risky cells (see :func:`formula_safe`) get a leading apostrophe, as OWASP advises for CSV
    exports opened in Excel or WPS. Numeric columns are left alone.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(formula_safe)
    out.columns = [formula_safe(c) for c in out.columns]
    return out


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>$-])")


def md_escape(text: str) -> str:
    """Text safe to put in Markdown: markup backslash-escaped, ``<`` and ``&`` as entities.

    So no user-supplied string becomes a link, an image, HTML or a table cell break.
    """
    text = str(text).replace("&", "&amp;").replace("<", "&lt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")
