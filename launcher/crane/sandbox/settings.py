"""The profile's `[sandbox]` table: mode, hide, expose; every complaint names file and field.

    [sandbox]
    mode = "auto"               # "auto" (default) | "required" | "off"
    hide = ["~/.config/gh"]     # more paths to hide (absolute or ~/...)
    expose = ["~/.kube/config"] # default-hidden credential stores to leave visible
"""

from __future__ import annotations

import os

from crane._record import Record
from crane.errors import ProfileError

# Parsed while loading a profile, which `get_api_base()` does: no typing or dataclasses at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Literal

    Mode = Literal["auto", "required", "off"]

MODES = ("auto", "required", "off")
KEYS = ("mode", "hide", "expose")
SSH_AGENT = "$SSH_AUTH_SOCK"  # names the SSH agent socket, wherever it is


class SandboxSettings(Record):
    __slots__ = ("mode", "hide", "expose")
    mode: Mode
    hide: tuple[str, ...]  # as written (~ kept): expanded against the session's home later
    expose: tuple[str, ...]

    def __init__(self, mode: Mode = "auto", hide: tuple[str, ...] = (), expose: tuple[str, ...] = ()) -> None:
        self._set(mode=mode, hide=hide, expose=expose)


def parse_settings(table: Mapping[str, Any], profile_path: str) -> SandboxSettings:
    def fail(field: str, problem: str, hint: str | None = None) -> ProfileError:
        return ProfileError(profile_path, f"sandbox.{field}: {problem}", hint)

    for key in table:
        if key not in KEYS:
            raise fail(key, "unknown field", f"allowed: {', '.join(KEYS)}")
    mode = table.get("mode", "auto")
    if mode not in MODES:
        raise fail("mode", "must be one of " + ", ".join(f'"{m}"' for m in MODES))
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("hide", "expose"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail(key, "must be a list of paths")
        for i, entry in enumerate(value):
            if not (entry.startswith("~/") or os.path.isabs(entry) or entry == SSH_AGENT):
                raise fail(f"{key}[{i}]", f"must be an absolute path, start with ~/, or be {SSH_AGENT}",
                           "relative paths would depend on the directory crane is started in")
        lists[key] = tuple(v.strip() for v in value)
    return SandboxSettings(mode=mode, hide=lists["hide"], expose=lists["expose"])
