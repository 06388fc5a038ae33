"""The hook command and its shell wrapper, the settings JSON, the project install, the self-check."""

from __future__ import annotations

import json
import shlex
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from crane.guard.run.install import (
    HOOK_TIMEOUT,
    InstallError,
    hook_command,
    install_project,
    merge_settings,
    self_check,
    settings_json,
)

from .conftest import FAKE_HOOK, base_env

SHELLS = [s for s in ("sh", "dash", "bash") if shutil.which(s)]


def test_hook_command_exact_form() -> None:
    assert hook_command("/opt/crane/bin/python") == (
        "/opt/crane/bin/python -I -c 'from crane.guard.run.client import main; main()' --agent claude || "
        '{ rc=$?; [ "$rc" -eq 2 ] || echo "crane guard failed to run (exit $rc); the tool call was blocked" >&2; '
        "exit 2; }"
    )


def test_hook_command_quotes_odd_paths() -> None:
    odd = "/home/a b/it's $(rm -rf ~)/python"
    command = hook_command(odd)
    assert command.startswith(shlex.quote(odd) + " -I -c 'from crane.guard.run.client import main; main()' ")
    assert shlex.split(command.split(" || ")[0]) == [odd, "-I", "-c", "from crane.guard.run.client import main; main()",
                                                     "--agent", "claude"]


def test_hook_command_names_the_sessions_supervisor() -> None:
    command = hook_command("/py", socket="/run/user/1/crane-guard-x/guard.sock", pid=4242)
    assert shlex.split(command.split(" || ")[0])[4:] == [
        "--agent", "claude", "--socket", "/run/user/1/crane-guard-x/guard.sock", "--pid", "4242"]


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "fake python"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(("body", "code", "stdout", "noise"), [
    ("cat >/dev/null; exit 0", 0, b"", False),
    ("cat >/dev/null; echo '{\"x\": 1}'; exit 0", 0, b'{"x": 1}\n', False),
    ("cat >/dev/null; echo 'reason' >&2; exit 2", 2, b"", False),
    ("cat >/dev/null; exit 1", 2, b"", True),
    ("cat >/dev/null; exit 3", 2, b"", True),
    ("cat >/dev/null; kill -9 $$", 2, b"", True),
])
def test_wrapper_maps_every_failure_to_2(tmp_path: Path, shell: str, body: str, code: int, stdout: bytes,
                                         noise: bool) -> None:
    import subprocess

    proc = subprocess.run([shell, "-c", hook_command(_script(tmp_path, body))], input=b"{}", capture_output=True,
                          timeout=120, check=False)
    assert proc.returncode == code
    assert proc.stdout == stdout
    assert (b"crane guard failed to run" in proc.stderr) is noise
    if code == 2 and not noise:
        assert proc.stderr == b"reason\n"


def test_settings_json_shape() -> None:
    settings = settings_json("CMD")
    # disableAllHooks false: flag settings outrank a project's `disableAllHooks: true`; onFailure
    # block: a hook that is killed, times out or exits oddly blocks (Claude Code >= 2.1.332).
    assert settings == {"disableAllHooks": False, "hooks": {"PreToolUse": [
        {"matcher": "*", "hooks": [{"type": "command", "command": "CMD", "timeout": HOOK_TIMEOUT,
                                    "onFailure": "block"}]}]}}
    assert settings_json()["hooks"]["PreToolUse"][0]["hooks"][0]["command"] == hook_command(sys.executable)


# ---------------------------------------------------------------------------------------------
# install_project


def test_install_into_an_empty_project(tmp_path: Path) -> None:
    result = install_project(tmp_path, "CMD")
    assert result.changed and result.path == tmp_path / ".claude" / "settings.local.json"
    assert json.loads(result.path.read_text()) == {"hooks": settings_json("CMD")["hooks"]}


def test_install_keeps_user_settings_and_hooks_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / "settings.local.json"
    path.parent.mkdir()
    user: dict[str, Any] = {
        "permissions": {"allow": ["Bash(npm test)"]},
        "env": {"FOO": "1"},
        "hooks": {
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-lint-hook"}]},
                # An old crane entry (another interpreter, a narrowed matcher) next to a user hook.
                {"matcher": "Bash", "hooks": [
                    {"type": "command", "command": "/old/python -I -m crane.guard.run.hook; rc=$?", "timeout": 5},
                    {"type": "command", "command": "audit-hook"},
                ]},
                {"matcher": "Edit", "hooks": [{"type": "command", "command": "/usr/bin/crane-hook"}]},
            ],
            "PostToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": "after"}]}],
        },
    }
    path.write_text(json.dumps(user))
    path.chmod(0o640)
    first = install_project(tmp_path, "NEW")
    assert first.changed
    data = json.loads(path.read_text())
    assert data["permissions"] == user["permissions"] and data["env"] == user["env"]
    assert data["hooks"]["PostToolUse"] == user["hooks"]["PostToolUse"]
    assert data["hooks"]["PreToolUse"] == [
        {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-lint-hook"}]},
        {"matcher": "Bash", "hooks": [{"type": "command", "command": "audit-hook"}]},
        {"matcher": "*", "hooks": [{"type": "command", "command": "NEW", "timeout": HOOK_TIMEOUT,
                                    "onFailure": "block"}]},
    ]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    before = path.read_bytes()
    second = install_project(tmp_path, "NEW")
    assert not second.changed and path.read_bytes() == before


@pytest.mark.parametrize(("content", "words"), [
    ("{not json", "not valid JSON"),
    ("[]", "expected a JSON object"),
    ('{"hooks": []}', "'hooks' must be an object"),
    ('{"hooks": {"PreToolUse": {}}}', "'hooks.PreToolUse' must be an array"),
    ('{"hooks": {"PreToolUse": [{"hooks": "x"}]}}', "hooks.PreToolUse[0]"),
])
def test_install_refuses_a_file_it_cannot_read(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / ".claude" / "settings.local.json"
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(InstallError) as info:
        install_project(tmp_path, "CMD")
    assert str(path) in str(info.value) and words in str(info.value)
    assert info.value.hint
    assert path.read_text() == content  # untouched


def test_empty_settings_file_is_treated_as_empty(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / "settings.local.json"
    path.parent.mkdir()
    path.write_text("\n")
    assert install_project(tmp_path, "CMD").changed
    assert json.loads(path.read_text()) == {"hooks": settings_json("CMD")["hooks"]}


def test_merge_settings_does_not_mutate_its_input() -> None:
    original: dict[str, Any] = {"hooks": {"PreToolUse": []}}
    merge_settings(original, "CMD")
    assert original == {"hooks": {"PreToolUse": []}}


# ---------------------------------------------------------------------------------------------
# self_check


def _fake_hook_command() -> str:
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE_HOOK))}"


def test_self_check_passes_for_a_working_guard(tmp_path: Path) -> None:
    env = base_env(tmp_path, CRANE_ENV="prod", CRANE_DRY_RUN="1")  # the check overrides both
    result = self_check(_fake_hook_command(), env, timeout=120)  # a hang guard, not a speed limit
    assert result.ok, result.problems
    deny, read, policy = result.probes
    assert policy.ok
    assert deny.exit_code == 2 and deny.stderr.startswith("crane: NOT executed")
    assert read.exit_code == 0
    assert not (tmp_path / "state" / "audit.jsonl").exists()  # used a temporary state dir


@pytest.mark.parametrize(("body", "words"), [
    ("cat >/dev/null; exit 0", "allowed it"),
    ("""cat >/dev/null; echo '{"hookSpecificOutput": {"permissionDecision": "ask"}}'""", "asked instead"),
    ("cat >/dev/null; exit 1", "exited 1"),
    ("cat >/dev/null; echo 'crane guard error: boom; the tool call was blocked' >&2; exit 2", "guard itself failed"),
    ("cat >/dev/null; echo '{}'; exit 2", "printed to stdout"),
])
def test_self_check_catches_broken_guards(tmp_path: Path, body: str, words: str) -> None:
    result = self_check(shlex.quote(_script(tmp_path, body)), base_env(tmp_path), timeout=120)
    assert not result.ok
    assert words in result.problems[0]


def test_self_check_catches_a_guard_that_blocks_everything(tmp_path: Path) -> None:
    result = self_check(shlex.quote(_script(tmp_path, "cat >/dev/null; echo 'crane: no' >&2; exit 2")),
                        base_env(tmp_path), timeout=120)
    assert not result.ok
    assert result.probes[0].ok and "blocked it" in (result.probes[1].problem or "")


def test_self_check_times_out(tmp_path: Path) -> None:
    # The script sleeps far longer than the timeout, so only the timeout can end the probe.
    result = self_check(shlex.quote(_script(tmp_path, "sleep 5")), base_env(tmp_path), timeout=0.5)
    assert not result.ok
    assert "did not answer" in result.problems[0]
