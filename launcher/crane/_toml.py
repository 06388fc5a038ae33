"""Reading TOML on the hot paths, with a marshal cache of the parsed result.

`tomllib` pulls in `typing`, `re` and `datetime`; parsing a profile on every `get_api_base()`
call or every guard hook run would cost more than everything else they do. The parsed table is
cached in the user cache dir (never for what the guard trusts: see `load_toml`) under a key of
(path, mtime, size, Python version); `marshal` is
built in and loads in microseconds. Any cache problem silently falls back to parsing: the cache
can make crane faster, never different. Tables holding TOML dates (not marshal-able) are simply
not cached.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib

from crane.paths import cache_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class TomlError(ValueError):
    """Invalid TOML; the message carries the parser's line and column."""


def _cache_file(path: str, st: os.stat_result) -> str:
    key = f"{path}\0{st.st_mtime_ns}\0{st.st_size}\0{sys.version_info[:2]}"
    name = f"{zlib.crc32(key.encode('utf-8', 'surrogateescape')):08x}-{os.path.basename(path)}.marshal"
    return os.path.join(cache_path(), "toml", name)


def load_toml(path: str, *, cache: bool = True) -> dict[str, Any]:
    """Parse `path` (raises OSError, TomlError), using and refreshing the cache.

    `cache=False` for what the guard trusts (its rules, a profile's guard settings): the cache
    lives in the user's cache dir, within an agent's reach, and an entry keyed on path, mtime
    and size (or on a hash of the source, which anyone can compute) can be forged to say
    anything. Those files are parsed from their bytes every time (the session supervisor does it
    once per session).
    """
    path = os.path.abspath(path)
    if not cache:
        return _parse(path)
    st = os.stat(path)
    cache_file = _cache_file(path, st)
    try:
        with open(cache_file, "rb") as fh:
            stored_path, data = marshal.load(fh)  # noqa: S302  # our own file, in the user's cache dir
        if stored_path == path and isinstance(data, dict):
            return data
    except (OSError, EOFError, ValueError, TypeError):
        pass
    data = _parse(path)
    _store(cache_file, path, data)
    return data


def _parse(path: str) -> dict[str, Any]:
    import tomllib

    with open(path, "rb") as fh:
        try:
            return tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise TomlError(str(exc)) from None


def _store(cache: str, path: str, data: dict[str, Any]) -> None:
    try:
        blob = marshal.dumps((path, data))
    except ValueError:  # dates and times: parse each time instead
        return
    try:
        os.makedirs(os.path.dirname(cache), mode=0o700, exist_ok=True)
        tmp = f"{cache}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, cache)  # atomic: concurrent hook processes never read half a file
    except OSError:
        pass
