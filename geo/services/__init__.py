"""Store-backed use cases: what pages, the command line, the machine API and reports show.

Each module serves one part of the users' work (coverage, hotspots, risk and gaps, the plan, duty
and readiness, disputes, briefings, imports, logins...). A service reads through the store's
scoped reads with the user's :class:`Principal` (or a plain scope), hands plain frames to the
domain functions and returns ready-to-show frames with named columns, so that a page reads its
filters, calls one or two services and draws.

Here: what every caller needs of the store itself (open it, the reader types, a busy store).
"""

from __future__ import annotations

from geo.store import Principal, Reader, connect, is_locked

__all__ = ["Principal", "Reader", "connect", "is_locked"]
