"""Fixtures for the Infisical provider tests (the fence in tests/conftest.py already gives each
test its own HOME, XDG dirs and a file keyring; here the keyring backend object is pinned too,
because `keyring` caches the backend it chose for the whole process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.infisical_server import FakeInfisicalServer
from tests.infisical.helpers import running, write_profile


@pytest.fixture(autouse=True)
def file_keyring() -> Iterator[Any]:
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    previous = keyring.get_keyring()
    backend = PlaintextKeyring()  # its file lives under XDG_DATA_HOME, i.e. this test's tmp dir
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import keyring
    from keyring.backends import fail

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    yield


@pytest.fixture
def server() -> Iterator[FakeInfisicalServer]:
    srv = running()
    yield srv
    srv.stop()


@pytest.fixture
def profiles(tmp_path: Path, server: FakeInfisicalServer) -> Path:
    return write_profile(tmp_path / "profiles", server.url)
