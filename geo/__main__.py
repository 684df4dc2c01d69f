"""``python -m geo``: the command line (the commands live in the top-level package ``cli``)."""

from __future__ import annotations

import sys

from cli import main

if __name__ == "__main__":
    sys.exit(main())
