"""Where crane keeps configuration, state and cache, with the standard library only.

The guard hook and `import crane` must not import third-party packages, so this follows the
platform conventions itself (XDG on Linux, Application Support on macOS, AppData on Windows);
tests check it agrees with `platformdirs`. Each directory can be moved with an environment variable.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

APP = "crane"
_join = os.path.join


def _home() -> str:
    return os.path.expanduser("~")


def _xdg(var: str, default: str) -> str:
    value = os.environ.get(var, "").strip()
    # XDG says relative paths are invalid and must be ignored.
    if value and os.path.isabs(value):
        return value
    return _join(_home(), default)


# The *_path functions return str and need only `os`: the hot paths use them. The user_*_dir
# functions return pathlib.Path for everything else.


def config_path() -> str:
    if sys.platform == "darwin":
        return _join(_home(), "Library", "Application Support", APP)
    if sys.platform == "win32":
        return _join(os.environ.get("APPDATA") or _join(_home(), "AppData", "Roaming"), APP)
    return _join(_xdg("XDG_CONFIG_HOME", ".config"), APP)


def state_path() -> str:
    override = os.environ.get("CRANE_STATE_DIR", "").strip()
    if override:
        return override
    if sys.platform == "darwin":
        return _join(_home(), "Library", "Application Support", APP)
    if sys.platform == "win32":
        return _join(os.environ.get("LOCALAPPDATA") or _join(_home(), "AppData", "Local"), APP)
    return _join(_xdg("XDG_STATE_HOME", _join(".local", "state")), APP)


def cache_path() -> str:
    override = os.environ.get("CRANE_CACHE_DIR", "").strip()
    if override:
        return override
    if sys.platform == "darwin":
        return _join(_home(), "Library", "Caches", APP)
    if sys.platform == "win32":
        return _join(os.environ.get("LOCALAPPDATA") or _join(_home(), "AppData", "Local"), APP, "Cache")
    return _join(_xdg("XDG_CACHE_HOME", ".cache"), APP)


def user_config_dir() -> Path:
    from pathlib import Path

    return Path(config_path())


def user_state_dir() -> Path:
    from pathlib import Path

    return Path(state_path())


def user_cache_dir() -> Path:
    from pathlib import Path

    return Path(cache_path())
