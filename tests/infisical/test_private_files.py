"""The offline cache, like everything crane creates, is private: every directory 0700, every
file 0600, under a umask that would allow more."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from crane.paths import user_cache_dir, user_state_dir
from tests.fakes.infisical_server import FakeInfisicalServer
from tests.infisical.helpers import PROD_SECRETS, fetch, resolution


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_offline_cache_and_its_parents_are_private(server: FakeInfisicalServer, profiles: Path,
                                                       loose_umask: None) -> None:
    assert not user_cache_dir().exists()  # so every level below is created by crane here
    assert fetch(resolution(profiles, "prod")).secrets == PROD_SECRETS
    assert (user_cache_dir() / "offline").is_dir()
    loose = []
    for root in (user_cache_dir(), user_state_dir()):
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            for name, is_dir in [(d, True) for d in dirnames] + [(f, False) for f in filenames] + [("", True)]:
                path = Path(dirpath) / name
                mode = stat.S_IMODE(path.lstat().st_mode)
                if mode != (0o700 if is_dir else 0o600):
                    loose.append((str(path), oct(mode)))
    assert loose == []
