"""The encrypted offline copy: written after each success, read only after transport failures
or with --offline, within cache_max_age, and deleted when the server says 401/403/404."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crane.errors import SecretsError
from crane.paths import user_cache_dir
from crane.secrets.keystore import Keystore, offline_key_item
from crane.secrets.offline_cache import OfflineCache
from tests.fakes.infisical_server import FakeInfisicalServer, Fault
from tests.infisical.helpers import (
    PROD_SECRETS,
    PROJECT,
    STAGING_SECRETS,
    alpha_fixture,
    fetch,
    resolution,
    running,
    stored,
    write_profile,
)

REPO = Path(__file__).resolve().parents[2]


def _cache_files() -> list[Path]:
    directory = user_cache_dir() / "offline"
    return sorted(directory.glob("*.fernet")) if directory.is_dir() else []


def test_copy_is_written_encrypted_and_private(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    [path] = _cache_files()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    content = path.read_bytes()
    for key, value in PROD_SECRETS.items():
        assert key.encode() not in content
        if len(value) > 3:  # longer than what base64 text can hold by chance
            assert value.encode() not in content
    assert b"alpha" not in path.name.encode()  # the name does not reveal the venture either
    assert stored(offline_key_item(server.url, PROJECT))


def test_unreachable_server_uses_the_copy_with_a_loud_warning(server: FakeInfisicalServer, profiles: Path) -> None:
    before = time.time()
    fetch(resolution(profiles, "prod"))
    server.stop()
    result = fetch(resolution(profiles, "prod"), timeout=30)
    since = time.time() - before
    assert result.secrets == PROD_SECRETS
    [note] = result.notes
    assert note.startswith("WARNING:") and "OFFLINE COPY" in note
    assert "connection refused" in note and " s ago" in note
    checks = {c.name: c for c in result.checks}
    assert not checks["infisical host"].ok and checks["infisical host"].informational
    assert "used" in checks["offline cache"].detail
    assert result.facts["offline_cache"]["used"] is True
    assert 0 <= result.facts["offline_cache"]["age_seconds"] <= since + 1  # the copy was made in this test


def test_timeout_uses_the_copy_too(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    server.inject("secrets", Fault.hang())
    result = fetch(resolution(profiles, "prod"), timeout=1)
    assert result.secrets == PROD_SECRETS
    assert "did not answer" in result.notes[0]


def test_age_is_reported(server: FakeInfisicalServer, profiles: Path) -> None:
    stored_at = time.time()  # the copy's clock and the reader's: the age is exact, however slow the machine
    fetch(resolution(profiles, "prod"), clock=lambda: stored_at)
    server.stop()
    result = fetch(resolution(profiles, "prod"), clock=lambda: stored_at + 3 * 3600 + 120)
    assert "3 h 2 min ago" in result.notes[0]
    assert result.facts["offline_cache"]["age_seconds"] == 3 * 3600 + 120


def test_copy_beyond_max_age_is_not_used(tmp_path: Path, server: FakeInfisicalServer) -> None:
    profiles = write_profile(tmp_path, server.url, cache_max_age="1h")
    fetch(resolution(profiles, "prod"))
    server.stop()
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"), clock=lambda: time.time() + 2 * 3600)
    assert "beyond cache_max_age (60 min)" in info.value.message
    assert "connection refused" in info.value.message


@pytest.mark.parametrize(
    "fault",
    [Fault.token_revoked(), Fault.permission_denied(), Fault.not_member(PROJECT),
     Fault.path_not_found("prod", "/alpha")],
    ids=["401", "403-permission", "403-member", "404"],
)
def test_401_403_404_delete_the_copy_and_never_use_it(server: FakeInfisicalServer, profiles: Path,
                                                      fault: Fault) -> None:
    fetch(resolution(profiles, "prod"))
    assert _cache_files()
    server.inject("secrets", fault, times=None)
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"))
    assert "OFFLINE" not in info.value.message
    assert _cache_files() == []
    # and an outage afterwards finds nothing to fall back on
    server.stop()
    with pytest.raises(SecretsError, match="no offline copy"):
        fetch(resolution(profiles, "prod"), timeout=1)


def test_bad_credentials_delete_the_copy(server: FakeInfisicalServer, profiles: Path) -> None:
    from tests.infisical.helpers import UA_ENV

    fetch(resolution(profiles, "prod"), environ={**UA_ENV})
    bad = {**UA_ENV, "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": "9a8b7c6d-0000-4e0a-9b5d-000000000bad"}
    with pytest.raises(SecretsError, match="rejected"):
        fetch(resolution(profiles, "prod"), environ=bad)
    assert _cache_files() == []


def test_5xx_and_429_do_not_use_the_copy(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    server.inject("secrets", Fault.server_error(503), times=None)
    with pytest.raises(SecretsError, match="server error"):
        fetch(resolution(profiles, "prod"))
    server.clear_faults()
    server.inject("secrets", Fault.rate_limited(wait=300))
    with pytest.raises(SecretsError, match="rate limit"):
        fetch(resolution(profiles, "prod"))
    assert _cache_files()  # kept: the server did not say the copy is wrong


def test_offline_option_makes_no_request(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    server.clear_log()
    result = fetch(resolution(profiles, "prod"), offline=True, environ={})
    assert result.secrets == PROD_SECRETS
    assert server.count() == 0
    assert "--offline" in result.notes[0]
    assert result.facts["offline_cache"]["used"] is True


def test_offline_without_a_copy_is_a_clear_error(server: FakeInfisicalServer, profiles: Path) -> None:
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"), offline=True)
    assert "--offline" in info.value.message and "none stored" in info.value.message
    assert server.count() == 0


def test_offline_staging_follows_a_recorded_fallback(tmp_path: Path) -> None:
    srv = running(alpha_fixture(staging=False))
    try:
        profiles = write_profile(tmp_path, srv.url)
        fetch(resolution(profiles, "staging"))
        srv.clear_log()
        result = fetch(resolution(profiles, "staging"), offline=True)
        assert srv.count() == 0
    finally:
        srv.stop()
    assert result.secrets == PROD_SECRETS
    assert result.resolution.effective_env == "prod" and result.resolution.fallback


def test_offline_staging_copy(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "staging"))
    result = fetch(resolution(profiles, "staging"), offline=True)
    assert result.secrets == STAGING_SECRETS
    assert result.resolution.effective_env == "dev"


def test_no_keyring_means_no_copy(server: FakeInfisicalServer, profiles: Path, no_keyring: None) -> None:
    fetch(resolution(profiles, "prod"))
    assert _cache_files() == []
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"), offline=True)
    assert "need a keyring" in info.value.message


def test_tampered_or_swapped_file_is_refused(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    fetch(resolution(profiles, "staging"))
    cache = OfflineCache(Keystore())
    prod_target = resolution(profiles, "prod").secrets
    staging_target = resolution(profiles, "staging").secrets
    # a staging copy put under production's name must not be served as production
    cache.path_for(prod_target).write_bytes(cache.path_for(staging_target).read_bytes())
    assert cache.load(prod_target) is None
    cache.path_for(staging_target).write_bytes(b"garbage")
    assert cache.load(staging_target) is None
    assert not cache.path_for(staging_target).exists()  # useless files are removed


def _run_offline_subprocess(profiles: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INFISICAL_", "CRANE_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "launcher"), str(REPO)])
    return subprocess.run([sys.executable, "-c", code, str(profiles)], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


OFFLINE_SCRIPT = """
import json, sys
from crane.resolve import Request, resolve
from crane.secrets import FetchOptions, fetch_secrets
res = resolve(Request(env_flag="prod", venture_flag="alpha", profiles_dir=sys.argv[1], environ={}))
result = fetch_secrets(res, FetchOptions(offline=True))
print(json.dumps({"secrets": result.secrets,
                  "sdk": "infisical_sdk" in sys.modules, "requests": "requests" in sys.modules}))
"""


def test_offline_in_a_fresh_process_never_imports_the_sdk(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    server.clear_log()
    proc = _run_offline_subprocess(profiles, OFFLINE_SCRIPT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["secrets"] == PROD_SECRETS
    assert out["sdk"] is False and out["requests"] is False
    assert server.count() == 0


def test_no_keyring_backend_in_a_fresh_process(server: FakeInfisicalServer, profiles: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The real selection path: PYTHON_KEYRING_BACKEND=fail, credentials from the environment.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    code = """
import json, sys, os
os.environ["INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"] = sys.argv[2]
os.environ["INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"] = sys.argv[3]
from crane.resolve import Request, resolve
from crane.secrets import fetch_secrets
res = resolve(Request(env_flag="prod", venture_flag="alpha", profiles_dir=sys.argv[1], environ={}))
result = fetch_secrets(res)
print(json.dumps({"n": len(result.secrets), "notes": list(result.notes)}))
"""
    from tests.infisical.helpers import CLIENT_ID, CLIENT_SECRET

    env = {k: v for k, v in os.environ.items() if not k.startswith(("INFISICAL_", "CRANE_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "launcher"), str(REPO)])
    proc = subprocess.run([sys.executable, "-c", code, str(profiles), CLIENT_ID, CLIENT_SECRET], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["n"] == len(PROD_SECRETS)
    assert len(out["notes"]) == 1 and "not persisted" in out["notes"][0]
