"""What crane leaves on disk: private (0700 directories, 0600 files), pruned when it is no longer
needed (session directories, parsed-TOML cache entries), and readable through the CLI."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crane.sessions import OWNER_FILE, SESSIONS, STALE_AFTER_DAYS, prune_sessions, session_dir
from tests.core.helpers import LAUNCHER, fake_claude_path, run_crane, subprocess_env, write_venture

# ---------------------------------------------------------------------------------------------
# Session directories


def _finished_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_session_dir_records_its_owner_and_is_private(tmp_path: Path) -> None:
    directory = session_dir(tmp_path / "state", "run-1")
    assert directory == tmp_path / "state" / SESSIONS / "run-1"
    owner = json.loads((directory / OWNER_FILE).read_text())
    assert owner["pid"] == os.getpid()
    for path in (tmp_path / "state", tmp_path / "state" / SESSIONS, directory):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / OWNER_FILE).stat().st_mode) == 0o600


def test_sessions_that_are_over_are_pruned_and_live_ones_kept(tmp_path: Path) -> None:
    state = tmp_path / "state"
    sessions = state / SESSIONS

    def make(name: str, owner: dict[str, object] | None, age_days: float = 0) -> Path:
        directory = sessions / name
        directory.mkdir(parents=True)
        (directory / "claude-settings.json").write_text("{}")
        if owner is not None:
            (directory / OWNER_FILE).write_text(json.dumps(owner))
        stamp = time.time() - age_days * 86400
        os.utime(directory, (stamp, stamp))
        return directory

    make("ended", {"pid": _finished_pid(), "start": None})
    live = make("live", {"pid": os.getpid(), "start": None})
    reused = make("reused-pid", {"pid": os.getpid(), "start": "1"})  # same pid, another process's start
    make("old-unowned", None, age_days=STALE_AFTER_DAYS + 1)
    young = make("young-unowned", None, age_days=1)
    make("garbled-old", {"pid": "x"}, age_days=STALE_AFTER_DAYS + 1)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    os.symlink(outside, sessions / "link")
    removed = prune_sessions(state)
    expected = {"ended", "old-unowned", "garbled-old"}
    if Path("/proc/self/stat").exists():
        expected.add("reused-pid")
    assert set(removed) == expected
    assert live.exists() and young.exists()
    assert reused.exists() == ("reused-pid" not in expected)
    assert (outside / "keep.txt").exists()  # a symlink is never followed


def test_a_new_session_prunes_the_others_but_never_itself(tmp_path: Path) -> None:
    state = tmp_path / "state"
    old = state / SESSIONS / "old"
    old.mkdir(parents=True)
    (old / OWNER_FILE).write_text(json.dumps({"pid": _finished_pid(), "start": None}))
    mine = state / SESSIONS / "mine"
    mine.mkdir()
    (mine / OWNER_FILE).write_text(json.dumps({"pid": _finished_pid(), "start": None}))  # an earlier owner
    session_dir(state, "mine")
    assert not old.exists() and mine.exists()


@pytest.mark.parametrize("run_id", ["", ".", "..", "a/b", "../x"])
def test_a_run_id_that_is_not_a_plain_name_is_refused(tmp_path: Path, run_id: str) -> None:
    from crane.errors import CraneError

    with pytest.raises(CraneError, match="cannot name a session directory"):
        session_dir(tmp_path, run_id)


# ---------------------------------------------------------------------------------------------
# Parsed-TOML cache


def _cache_entries() -> list[Path]:
    from crane.paths import user_cache_dir

    directory = user_cache_dir() / "toml"
    return sorted(directory.iterdir()) if directory.is_dir() else []


def test_editing_a_profile_keeps_one_cache_entry(tmp_path: Path) -> None:
    from crane._toml import load_toml

    profile = tmp_path / "demo.toml"
    for n in range(5):
        profile.write_text(f'name = "v{n}"\n' + "# pad\n" * n)
        os.utime(profile, ns=(10**18 + n, 10**18 + n))  # a new mtime each time, whatever the clock's grain
        assert load_toml(str(profile)) == {"name": f"v{n}"}
        assert load_toml(str(profile)) == {"name": f"v{n}"}  # from the cache
    assert len([p for p in _cache_entries() if p.name.endswith("-demo.toml.marshal")]) == 1


def test_stale_cache_entries_are_dropped(tmp_path: Path) -> None:
    from crane._toml import load_toml, prune_cache

    gone = tmp_path / "gone.toml"
    gone.write_text('a = 1\n')
    load_toml(str(gone))
    gone.unlink()
    legacy = _cache_entries()[0].parent / "0badc0de-legacy.toml.marshal"
    legacy.write_bytes(b"not marshal")
    kept = tmp_path / "kept.toml"
    kept.write_text('b = 2\n')
    load_toml(str(kept))  # a miss: stores, then drops what is stale
    names = [p.name for p in _cache_entries()]
    assert names == [n for n in names if n.endswith("-kept.toml.marshal")] and len(names) == 1
    assert prune_cache() == 0
    assert load_toml(str(kept)) == {"b": 2}


def test_the_cache_never_changes_an_answer(tmp_path: Path) -> None:
    from crane._toml import _cache_file, load_toml

    profile = tmp_path / "p.toml"
    profile.write_text('x = 1\n')
    load_toml(str(profile))
    Path(_cache_file(str(profile))).write_bytes(b"\x00garbage")
    assert load_toml(str(profile)) == {"x": 1}


# ---------------------------------------------------------------------------------------------
# Permissions: walk what crane made after a run, a launch, hook decisions, alerts and `crane runs`


def _walk(*roots: Path) -> Iterator[tuple[Path, int, bool]]:
    for root in roots:
        if not root.exists():
            continue
        yield root, stat.S_IMODE(root.stat().st_mode), True
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames:
                path = Path(dirpath) / name
                yield path, stat.S_IMODE(path.lstat().st_mode), True
            for name in filenames:
                path = Path(dirpath) / name
                yield path, stat.S_IMODE(path.lstat().st_mode), False


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # what most users have: nothing may rely on a strict umask
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def fake_claude(tmp_path: Path) -> str:
    return fake_claude_path(tmp_path, 'echo "$@"')


def _hook(payload: dict[str, object], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "crane.guard.run.hook"], input=json.dumps(payload).encode(),
                          env=subprocess_env(env), capture_output=True, timeout=120, check=False)


def test_everything_crane_creates_is_private(tmp_path: Path, loose_umask: None, fake_claude: str) -> None:
    home = Path(os.environ["HOME"])
    state, cache, config = tmp_path / "s" / "state", tmp_path / "c" / "cache", home / ".config" / "crane"
    roots = {"CRANE_STATE_DIR": str(state), "CRANE_CACHE_DIR": str(cache)}
    profiles = tmp_path / "profiles"
    write_venture(profiles, "ex", staging={"EX_KEY": "staging-value"})
    common = ["-v", "ex", "--profiles-dir", str(profiles)]
    # a run
    ran = run_crane("run", *common, "--", sys.executable, "-c", "pass", env=roots, cwd=tmp_path)
    assert ran.rc == 0, ran.err
    # a launch (the fake claude prints its arguments: the settings file crane made for it)
    launched = run_crane("launch", *common, "-e", "staging", "claude", env={**roots, "PATH": fake_claude},
                         cwd=tmp_path)
    assert launched.rc == 0, launched.err
    assert "--settings" in launched.out and str(state / SESSIONS) in launched.out
    # hook decisions (a denial, a dry-run interception with the sticky flag) and an alert
    hook_env = {**roots, "CRANE_ENV": "dev", "CRANE_RUN_ID": "perm-run", "PYTHONPATH": str(LAUNCHER)}
    call = {"session_id": "s", "cwd": str(tmp_path), "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": {"command": "npx wrangler deploy --env production"}}
    assert _hook(call, hook_env).returncode == 2
    assert _hook(call, {**hook_env, "CRANE_DRY_RUN": "1"}).returncode == 2
    assert _hook({"broken": True}, hook_env).returncode == 2  # a guard error: an alert
    # the readers (the audit index), and an alert listing
    runs = run_crane("runs", env=roots)
    assert runs.rc == 0 and "perm-run" in runs.out
    alerts = run_crane("alerts", env=roots)
    assert alerts.rc == 0 and str(state / "alerts.jsonl") in alerts.out
    made = {p.name for p, _, _ in _walk(state, cache)}
    assert {"audit.jsonl", "audit.index", "alerts.jsonl", "state.db", "claude-settings.json", OWNER_FILE,
            "toml"} <= made, made
    loose = [(str(p), oct(mode)) for p, mode, is_dir in _walk(state, cache, config)
             if mode != (0o700 if is_dir else 0o600)]
    assert loose == []


# ---------------------------------------------------------------------------------------------
# The readers through the CLI


def _audit(state: Path, lines: list[dict[str, object]]) -> None:
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "audit.jsonl", "a") as fh:
        for line in lines:
            fh.write(json.dumps(line) + "\n")


def _line(run_id: str, n: int, decision: str = "intercepted") -> dict[str, object]:
    return {"time": f"2026-08-01T10:00:{n:02d}.000000Z", "run_id": run_id, "tool": "Bash", "command": f"put {n}",
            "decision": decision, "rule": "wrangler.r2.object.put", "target": "production", "reason": "x",
            "venture": "demo", "env": "dev"}


def test_runs_show_of_an_unknown_run_is_exit_1(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _audit(state, [_line("known", 1)])
    unknown = run_crane("runs", "show", "nope", env={"CRANE_STATE_DIR": str(state)})
    assert unknown.rc == 1 and "no run nope in the audit log" in unknown.err
    assert "Traceback" not in unknown.err
    known = run_crane("runs", "show", "known", env={"CRANE_STATE_DIR": str(state)})
    assert known.rc == 0 and "1. [wrangler.r2.object.put -> production] put 1" in known.out


def test_runs_lists_the_most_recent_first_up_to_the_limit(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _audit(state, [_line(f"run-{n:02d}", n, "allow") for n in range(12)])
    env = {"CRANE_STATE_DIR": str(state)}
    limited = run_crane("runs", "--limit", "3", env=env)
    assert [row.split()[0] for row in limited.out.splitlines()] == ["run-11", "run-10", "run-09"]
    assert "the 3 most recent of 12 runs" in limited.err
    everything = run_crane("runs", "--limit", "0", "--json", env=env)
    assert len(json.loads(everything.out)) == 12


def test_alerts_say_which_file_each_came_from(tmp_path: Path) -> None:
    from crane.guard.run.alerts import build_alert, fallback_alerts_path

    state = tmp_path / "state"
    state.mkdir()
    temp = tmp_path / "tmp"
    temp.mkdir()
    own = build_alert(kind="guard_error", error="in the state dir", run_id="r1", tool="Bash", venture=None, env=None)
    (state / "alerts.jsonl").write_text(json.dumps(own) + "\n")
    fallback = Path(fallback_alerts_path(temp))
    fallback.parent.mkdir(mode=0o700)
    mine = build_alert(kind="guard_error", error="mine, in the fallback", run_id="r2", tool="Bash", venture=None,
                       env=None, extra={"state_dir": str(state)})
    other = build_alert(kind="guard_error", error="another state dir's", run_id="r3", tool="Bash", venture=None,
                        env=None, extra={"state_dir": str(tmp_path / "elsewhere")})
    fallback.write_text(json.dumps(mine) + "\n" + json.dumps(other) + "\n")
    fallback.chmod(0o600)
    env = {"CRANE_STATE_DIR": str(state), "TMPDIR": str(temp)}
    shown = run_crane("alerts", env=env)
    assert shown.rc == 0, shown.err
    header, *rows = shown.out.splitlines()
    assert header.split()[-1] == "FILE" and len(rows) == 2
    assert "in the state dir" in rows[0] and rows[0].endswith(str(state / "alerts.jsonl"))
    assert "mine, in the fallback" in rows[1] and rows[1].endswith(str(fallback))
    as_json = json.loads(run_crane("alerts", "--json", "--limit", "0", env=env).out)
    assert [a["source"] for a in as_json] == [str(state / "alerts.jsonl"), str(fallback)]
