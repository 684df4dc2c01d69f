"""CJK fonts for server-side rendering (PDF with reportlab, pictures with matplotlib).

reportlab embeds TrueType outlines only (not the CFF outlines of Noto CJK), so PDFs and pictures
use a TrueType CJK font: :data:`FONT_FILES` lists the candidates, first found wins (Debian's
fonts-wqy-microhei, installed by the setup scripts). The PDF gets a subset of the font embedded,
so its text stays extractable and prints the same everywhere.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

__all__ = [
    "FONT_FILES",
    "FONT_PACKAGE",
    "FontMissingError",
    "cjk_font",
    "has_cjk_font",
    "mpl_family",
    "mpl_lock",
    "mpl_sans",
    "reportlab_font",
]

# TrueType CJK fonts, first found wins: (path, index in the collection, family name). Debian's
# WenQuanYi first, then other TrueType CJK fonts a Linux, Windows or macOS machine may already
# have (Noto CJK is left out: its outlines are CFF, which reportlab cannot embed).
FONT_FILES: tuple[tuple[str, int, str], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "WenQuanYi Micro Hei"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "WenQuanYi Zen Hei"),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0, "WenQuanYi Micro Hei"),  # Fedora
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0, "Droid Sans Fallback"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "AR PL UMing CN"),
    ("C:/Windows/Fonts/simhei.ttf", 0, "SimHei"),
    ("C:/Windows/Fonts/msyh.ttc", 0, "Microsoft YaHei"),
    ("/Library/Fonts/Arial Unicode.ttf", 0, "Arial Unicode MS"),
    ("/System/Library/Fonts/Supplemental/Arial Unicode.ttf", 0, "Arial Unicode MS"),
)
FONT_PACKAGE = "fonts-wqy-microhei"
"""The Debian package that provides the first of :data:`FONT_FILES` (named to users)."""
# Name under which reportlab knows the font.
RL_FONT = "QyCJK"

# matplotlib's pyplot state is not thread-safe and Streamlit runs each session in a thread.
mpl_lock = threading.Lock()
_rl_lock = threading.Lock()


class FontMissingError(FileNotFoundError):
    """No TrueType CJK font for PDFs and pictures."""


@functools.cache
def cjk_font() -> tuple[str, int, str]:
    """(path, index, family) of the first TrueType CJK font of :data:`FONT_FILES` found."""
    for path, index, family in FONT_FILES:
        if Path(path).is_file():
            return path, index, family
    msg = (
        f"no TrueType CJK font found; install Debian's {FONT_PACKAGE} "
        "(scripts/setup-and-run.sh does)"
    )
    raise FontMissingError(msg)


def has_cjk_font() -> bool:
    """True when a TrueType CJK font of :data:`FONT_FILES` is found (PDFs can be written)."""
    try:
        cjk_font()
    except FontMissingError:
        return False
    return True


def mpl_sans() -> list[str]:
    """Matplotlib's ``font.sans-serif`` list: the CJK font when found, then DejaVu Sans.

    Without a CJK font the pictures are still drawn (CJK labels then lack their glyphs).
    """
    return [mpl_family(), "DejaVu Sans"] if has_cjk_font() else ["DejaVu Sans"]


@functools.cache
def mpl_family() -> str:
    """The CJK font's family name, registered with matplotlib."""
    # matplotlib loads only when a picture is drawn
    from matplotlib import font_manager

    path, _, family = cjk_font()
    font_manager.fontManager.addfont(path)
    return family


def reportlab_font() -> str:
    """The reportlab font name of the CJK font (registered on first use)."""
    # reportlab loads only when a PDF is written
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _rl_lock:
        if RL_FONT not in pdfmetrics.getRegisteredFontNames():
            path, index, _ = cjk_font()
            pdfmetrics.registerFont(TTFont(RL_FONT, path, subfontIndex=index))
    return RL_FONT
