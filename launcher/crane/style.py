"""Terminal colour, decided in one place: only on a terminal, never with NO_COLOR or TERM=dumb.

The production banner is white on red and staging black on green, so the two never look alike.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TextIO

    from crane.resolve import Resolution

_BANNER = {"prod": "1;97;41", "dev": "1;30;42"}


def use_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour for a terminal only, and never with NO_COLOR (https://no-color.org) or TERM=dumb."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, code: str | None, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour and code else text


def banner(res: Resolution, colour: bool) -> str:
    """`production` / `staging`, highlighted by environment when colour is on."""
    return paint(f" {res.environment_name} " if colour else res.environment_name, _BANNER[res.effective_env],
                 colour)
