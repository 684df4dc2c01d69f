"""Standalone maps: one self-contained HTML file with every script, stylesheet and image inlined,
so it opens from disk or a share on a network without internet."""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path

import folium

from layers import _assets

__all__ = ["external_refs", "save", "to_offline_html"]

_SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc="([^"]+)"[^>]*>\s*</script>', re.IGNORECASE)
_CSS_LINK = re.compile(r'<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"[^>]*/?>',
                       re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(path: Path) -> str:
    css = _CSS_COMMENT.sub("", path.read_text(encoding="utf-8"))

    def repl(m: re.Match[str]) -> str:
        ref = m.group(2)
        if ref.startswith(("data:", "#")):
            return m.group(0)
        target = (path.parent / ref).resolve()
        if not target.is_file():
            msg = f"{path.name}: missing asset {ref}"
            raise FileNotFoundError(msg)
        return f'url("{_data_uri(target)}")'

    return _CSS_URL.sub(repl, css).replace("</style", "<\\/style")


def _inline_js(path: Path) -> str:
    # "</script" cannot occur in an inline script; inside JS strings "<\/script" is the same text
    return path.read_text(encoding="utf-8").replace("</script", "<\\/script")


def to_offline_html(m: folium.Map | folium.Figure) -> str:
    """The map as one HTML document with the app's assets inlined.

    Raises ValueError when a script or stylesheet is not one of the vendored assets (a CDN link
    left by some folium plugin), so an offline file can never depend on the internet for code.
    Tiles are the only network requests left, and only when the map was built with online tiles.
    """
    html = m.get_root().render()
    missing: list[str] = []

    def script(match: re.Match[str]) -> str:
        path = _assets.local_path(match.group(1))
        if path is None:
            missing.append(match.group(1))
            return match.group(0)
        return f"<script>{_inline_js(path)}</script>"

    def stylesheet(match: re.Match[str]) -> str:
        path = _assets.local_path(match.group(1))
        if path is None:
            missing.append(match.group(1))
            return match.group(0)
        return f"<style>{_inline_css(path)}</style>"

    html = _SCRIPT_SRC.sub(script, html)
    html = _CSS_LINK.sub(stylesheet, html)
    if missing:
        msg = f"not a vendored asset (add it under static/vendor): {', '.join(missing)}"
        raise ValueError(msg)
    return html


def external_refs(html: str) -> list[str]:
    """The src/href attribute values and CSS url() references of ``html`` that point at a
    non-local host (script contents are not parsed as markup)."""
    from html.parser import HTMLParser
    from urllib.parse import urlsplit

    found: list[str] = []

    class _P(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for key, val in attrs:
                if key in ("src", "href", "srcset", "poster", "data") and val:
                    found.append(val)
                if key == "style" and val:
                    found.extend(u for _, u in _CSS_URL.findall(val))

        def handle_data(self, data: str) -> None:
            if self.lasttag == "style":
                found.extend(u for _, u in _CSS_URL.findall(data))

    _P(convert_charrefs=True).feed(html)
    out = []
    for ref in found:
        parts = urlsplit(ref.strip())
        if ref.strip().startswith("//") or parts.scheme in ("http", "https", "ws", "wss", "ftp"):
            if parts.hostname not in _LOCAL_HOSTS:
                out.append(ref)
    return out


def save(m: folium.Map | folium.Figure, path: str | Path) -> int:
    """Write :func:`to_offline_html` to ``path`` (UTF-8); returns the number of bytes."""
    data = to_offline_html(m).encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)
