"""The install routes, as data: Codex's `-c` overrides and trust hash, Gemini's session home,
the version gate, and what `crane launch` does with an agent crane cannot guard."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from crane.agents import GUARDED_AGENTS, Prepared, codex, gemini, prepare_agent, version_verdict, write_hook_wrapper
from crane.errors import CraneError


def test_codex_trust_hash_is_sha256_of_the_canonical_group() -> None:
    command = "/state/sessions/r1/crane-codex-hook"
    canonical = ('{"event_name":"pre_tool_use","hooks":[{"async":false,"command":"' + command +
                 '","timeout":20,"type":"command"}],"matcher":"*"}')
    assert codex.trusted_hash(command) == "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def test_codex_overrides_install_the_hook_its_trust_and_close_the_tty_path() -> None:
    args = codex.install_overrides('/p/with "quote"/hook')
    assert args[:4] == ["-c", "features.hooks=true", "--disable", "unified_exec_tty"]
    hook, state = args[5], args[7]
    assert hook.startswith("hooks.PreToolUse=[{matcher=\"*\"") and '"/p/with \\"quote\\"/hook"' in hook
    assert "timeout=20" in hook
    assert state.startswith('hooks.state={"/<session-flags>/config.toml:pre_tool_use:0:0"={trusted_hash="sha256:')
    assert "enabled=true" in state


@pytest.mark.parametrize(("args", "expected"), [
    (["exec", "hi"], []),
    (["-c", "model=o3", "exec"], []),
    (["-c", "features.hooks=false"], ["-c features.hooks=..."]),
    (["--config=hooks.state={}"], ["-c hooks.state=..."]),
    (["--enable", "unified_exec_tty"], ["--enable unified_exec_tty"]),
    (["--disable", "hooks"], ["--disable hooks"]),
])
def test_codex_user_arguments_that_would_undo_the_install(args: list[str], expected: list[str]) -> None:
    assert codex.conflicting_args(args) == expected


def _listing(**hook: Any) -> dict[str, Any]:
    entry = {"key": codex.HOOK_KEY, "enabled": True, "trustStatus": "trusted", **hook}
    return {"id": 2, "result": {"data": [{"cwd": "/p", "hooks": [entry]}]}}


@pytest.mark.parametrize(("answer", "problem"), [
    (_listing(), None),
    (_listing(enabled=False), "not enabled"),
    (_listing(trustStatus="untrusted"), "not trusted"),
    ({"id": 2, "result": {"data": [{"cwd": "/p", "hooks": []}]}}, "not in Codex's hook list"),
    ({"id": 2, "error": {"message": "boom"}}, "boom"),
    ({"id": 2, "result": {}}, "no data"),
])
def test_codex_hook_listing_is_judged(answer: dict[str, Any], problem: str | None) -> None:
    problems = codex.hook_problems(answer, "/p")
    assert (problems == []) if problem is None else any(problem in p for p in problems)


def test_gemini_settings_keep_the_users_and_add_the_hook_switched_on() -> None:
    user = {"model": {"name": "m"}, "hooksConfig": {"enabled": False, "disabled": ["theirs"]},
            "hooks": {"BeforeTool": [{"matcher": "x", "hooks": []}], "AfterTool": []}}
    merged = gemini.merged_settings(user, "/h/crane-gemini-hook", "crane-guard-abc", "settings.json")
    assert merged["model"] == {"name": "m"} and merged["hooks"]["AfterTool"] == []
    assert merged["hooksConfig"] == {"enabled": True, "disabled": ["theirs"]}
    ours = merged["hooks"]["BeforeTool"][-1]
    assert ours["matcher"] == ".*" and ours["hooks"][0]["name"] == "crane-guard-abc"
    assert ours["hooks"][0]["timeout"] == 20_000 and ours["hooks"][0]["command"] == "/h/crane-gemini-hook"
    assert user["hooksConfig"]["enabled"] is False  # the input is not modified


@pytest.mark.parametrize(("settings", "found"), [
    ({}, []),
    ({"hooksConfig": {"enabled": True}}, []),
    ({"hooksConfig": {"enabled": False}}, ["hooksConfig.enabled = false"]),
    ({"hooksConfig": {"disabled": ["crane-guard-x"]}}, ["hooksConfig.disabled names crane's hook"]),
    ({"hooksConfig": {"disabled": ["other"]}}, []),
])
def test_gemini_settings_that_would_silence_the_hook(settings: dict[str, Any], found: list[str]) -> None:
    assert gemini.disabling_keys(settings) == found


def _tree(path: Path) -> dict[str, tuple[int, float, bytes | None]]:
    out = {}
    for p in sorted(path.rglob("*")):
        out[str(p)] = (p.stat().st_mode, p.stat().st_mtime, p.read_bytes() if p.is_file() else None)
    return out


def test_gemini_home_links_the_users_entries_and_writes_nothing_into_them(tmp_path: Path) -> None:
    user_home = tmp_path / "user"
    udir = user_home / ".gemini"
    (udir / "extensions" / "ext").mkdir(parents=True)
    (udir / "settings.json").write_text(json.dumps({"security": {"auth": {"selectedType": "oauth-personal"}}}))
    (udir / "oauth_creds.json").write_text('{"token": "t"}')
    (udir / "trustedFolders.json").write_text(json.dumps({str(tmp_path / "project"): "TRUST_FOLDER"}))
    before = _tree(udir)
    session = tmp_path / "session"
    session.mkdir()
    home = gemini.build_home(session, {"HOME": str(user_home)}, "/h/hook", "crane-guard-1")
    gdir = home / ".gemini"
    assert (gdir / "oauth_creds.json").is_symlink() and (gdir / "extensions").is_symlink()
    assert os.readlink(gdir / "oauth_creds.json") == str(udir / "oauth_creds.json")
    settings = json.loads((gdir / "settings.json").read_text())
    assert settings["security"]["auth"]["selectedType"] == "oauth-personal"
    assert settings["hooksConfig"]["enabled"] is True
    assert json.loads((gdir / "trustedFolders.json").read_text()) == {}  # the user's trust list is not carried
    assert not (gdir / "settings.json").is_symlink() and not (gdir / "trustedFolders.json").is_symlink()
    assert _tree(udir) == before


def test_gemini_home_refuses_a_broken_user_settings_file(tmp_path: Path) -> None:
    (tmp_path / ".gemini").mkdir()
    (tmp_path / ".gemini" / "settings.json").write_text("{nope")
    with pytest.raises(CraneError, match="settings.json: not valid JSON"):
        gemini.build_home(tmp_path / "s", {"HOME": str(tmp_path)}, "/h", "n")


@pytest.mark.parametrize(("text", "ok", "words"), [
    ("codex-cli 0.171.0", True, "supported"),
    ("codex-cli 0.171.5", True, "supported"),
    ("codex-cli 0.170.9", False, "older"),
    ("codex-cli 0.180.0", True, "newer"),
    ("garbage", False, "cannot read"),
])
def test_codex_version_gate(text: str, ok: bool, words: str) -> None:
    verdict, detail = version_verdict(text, codex.SUPPORTED)
    assert verdict is ok and words in detail


def test_the_hook_wrapper_is_a_private_posix_script(tmp_path: Path) -> None:
    path = write_hook_wrapper(tmp_path, "codex", {})
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    text = path.read_text()
    assert text.startswith("#!/bin/sh\n") and "--agent codex" in text


@pytest.mark.parametrize(("hook", "code", "stderr"), [
    ("exit 0", 0, b""),                                    # allow: silent
    ("echo 'crane: NOT executed: x' >&2; exit 2", 2, b"crane: NOT executed: x\n"),
    ("exit 2", 2, b"the guard gave no reason"),            # silent exit 2 would ALLOW in both clients
    ("echo '{}'; exit 2", 2, b"{}\n"),                     # stdout is parsed first by Gemini: moved to stderr
    ("echo '{}'; exit 0", 2, b"printed output"),           # JSON that a client could read as allow
    ("exit 1", 2, b"failed to run (exit 1)"),
    ("/nonexistent/python -I -c pass", 2, b"failed to run (exit 127)"),
    ("kill -9 $$", 2, b"failed to run (exit 137)"),
], ids=["allow", "deny", "silent-2", "stdout-2", "stdout-0", "exit-1", "missing", "killed"])
def test_the_wrapper_turns_every_answer_into_allow_or_a_block_with_a_reason(
        tmp_path: Path, hook: str, code: int, stderr: bytes) -> None:
    from crane.agents import WRAPPER

    path = tmp_path / "hook"
    path.write_text(WRAPPER.format(agent="codex", command=f"sh -c {hook!r}" if "$$" not in hook else
                                   "sh -c 'kill -9 $$'"))
    path.chmod(0o700)
    proc = subprocess.run([str(path)], input=b"{}", capture_output=True, check=False)
    assert (proc.returncode, proc.stdout) == (code, b"")
    assert stderr in proc.stderr


class _Res:
    environment_name = "staging"


def test_dry_run_of_a_command_crane_cannot_hook_is_refused(tmp_path: Path) -> None:
    said: list[str] = []
    with pytest.raises(CraneError, match="--dry-run cannot be honoured for aider"):
        prepare_agent(["/usr/bin/aider"], {}, _Res(), guard=True, dry_run=True, say=said.append)  # type: ignore[arg-type]
    prepared = prepare_agent(["/usr/bin/aider"], {}, _Res(), guard=True, dry_run=False, say=said.append)  # type: ignore[arg-type]
    assert prepared == Prepared(["/usr/bin/aider"], {})
    assert "guard does not apply to aider" in said[-1] and "sandbox" in said[-1]
    assert GUARDED_AGENTS == ("claude", "codex", "gemini")


def test_gemini_pins_loader_variables_a_project_env_file_could_plant() -> None:
    # Gemini fills in variables from the project's .env only where they are unset: crane sets them.
    pins = gemini.loader_pins({"LD_LIBRARY_PATH": "/opt/lib", "CRANE_GUARD_SELF_CHECK": "1"})
    for name in ("LD_PRELOAD", "LD_AUDIT", "BASH_ENV", "ENV", "DYLD_INSERT_LIBRARIES"):
        assert pins[name] == ""
    assert pins["LD_LIBRARY_PATH"] == "/opt/lib"  # the session's own value is kept
    assert pins["CRANE_GUARD_SELF_CHECK"] == ""  # never a self-check from the agent's side
