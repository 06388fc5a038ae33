"""Reading TOML on the hot paths, with a marshal cache of the parsed result.

`tomllib` pulls in `typing`, `re` and `datetime`; parsing a profile on every `get_api_base()`
call or every guard hook run would cost more than everything else they do. The parsed table is
cached in the user cache dir (never for what the guard trusts: see `load_toml`), one file per
source path, stamped inside with the source's (mtime, size) and the Python version; `marshal` is
built in and loads in microseconds. An edited profile overwrites its own entry instead of adding
one, and every rewrite (the rare path) also drops entries whose source is gone or changed, so the
cache stays as small as the set of profiles. Any cache problem silently falls back to parsing: the
cache can make crane faster, never different. Tables holding TOML dates (not marshal-able) are
simply not cached.
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


FORMAT = 2  # the layout of a cache entry: (FORMAT, path, mtime_ns, size, python, data)


def _cache_dir() -> str:
    return os.path.join(cache_path(), "toml")


def _cache_file(path: str) -> str:
    name = f"{zlib.crc32(path.encode('utf-8', 'surrogateescape')):08x}-{os.path.basename(path)}.marshal"
    return os.path.join(_cache_dir(), name)


def _stamp(path: str, st: os.stat_result) -> tuple[int, str, int, int, tuple[int, int]]:
    return FORMAT, path, st.st_mtime_ns, st.st_size, tuple(sys.version_info[:2])  # type: ignore[return-value]


def _read_entry(cache: str) -> tuple[Any, ...] | None:
    try:
        with open(cache, "rb") as fh:
            entry = marshal.load(fh)  # noqa: S302  # our own file, in the user's cache dir
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return entry if isinstance(entry, tuple) and len(entry) == 6 else None


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
    stamp = _stamp(path, os.stat(path))
    cache_file = _cache_file(path)
    entry = _read_entry(cache_file)
    if entry is not None and entry[:5] == stamp and isinstance(entry[5], dict):
        return entry[5]
    data = _parse(path)
    _store(cache_file, stamp, data)
    return data


def prune_cache() -> int:
    """Remove entries whose source file is gone or changed (or in an old layout); how many."""
    removed = 0
    directory = _cache_dir()
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        cache = os.path.join(directory, name)
        if name.endswith(".tmp"):
            stale = True
        else:
            entry = _read_entry(cache)
            stale = entry is None or entry[0] != FORMAT or not isinstance(entry[1], str)
            if entry is not None and not stale:
                try:
                    stale = entry[:5] != _stamp(entry[1], os.stat(entry[1])) or cache != _cache_file(entry[1])
                except OSError:
                    stale = True
        if stale:
            try:
                os.unlink(cache)
                removed += 1
            except OSError:
                pass
    return removed


def _parse(path: str) -> dict[str, Any]:
    import tomllib

    with open(path, "rb") as fh:
        try:
            return tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise TomlError(str(exc)) from None


def _store(cache: str, stamp: tuple[Any, ...], data: dict[str, Any]) -> None:
    try:
        blob = marshal.dumps((*stamp, data))
    except ValueError:  # dates and times: parse each time instead
        return
    try:
        from crane.private import write_private

        write_private(cache, blob)  # atomic: concurrent hook processes never read half a file
    except OSError:
        return
    prune_cache()  # a miss means a profile changed or is new: the moment to drop stale entries
