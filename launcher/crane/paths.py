"""Where crane keeps configuration, state and cache, with the standard library only.

The guard hook and `import crane` must not import third-party packages, so this follows the
platform conventions itself (XDG on Linux, Application Support on macOS, AppData on Windows);
tests check it agrees with `platformdirs`. Each directory can be moved with an environment variable.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "crane"


def _home() -> Path:
    return Path(os.path.expanduser("~"))


def _xdg(var: str, default: str) -> Path:
    value = os.environ.get(var, "").strip()
    # XDG says relative paths are invalid and must be ignored.
    if value and os.path.isabs(value):
        return Path(value)
    return _home() / default


def user_config_dir() -> Path:
    if sys.platform == "darwin":
        return _home() / "Library" / "Application Support" / APP
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or _home() / "AppData" / "Roaming") / APP
    return _xdg("XDG_CONFIG_HOME", ".config") / APP


def user_state_dir() -> Path:
    override = os.environ.get("CRANE_STATE_DIR", "").strip()
    if override:
        return Path(override)
    if sys.platform == "darwin":
        return _home() / "Library" / "Application Support" / APP
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or _home() / "AppData" / "Local") / APP
    return _xdg("XDG_STATE_HOME", ".local/state") / APP


def user_cache_dir() -> Path:
    override = os.environ.get("CRANE_CACHE_DIR", "").strip()
    if override:
        return Path(override)
    if sys.platform == "darwin":
        return _home() / "Library" / "Caches" / APP
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or _home() / "AppData" / "Local") / APP / "Cache"
    return _xdg("XDG_CACHE_HOME", ".cache") / APP
