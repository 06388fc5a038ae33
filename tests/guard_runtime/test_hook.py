"""The hook's evaluation, in process: output contract, run id, sticky dry-run across calls,
audit records, and fail-closed behaviour for every kind of internal failure."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from crane.guard.model import Classification
from crane.guard.rules.config import GuardConfig, load_guard_config
from crane.guard.run.hook import HookResult, evaluate, summarize
from crane.guard.run.state import SqliteRunState

from .conftest import RedisServer, encode, free_port, hook_input, read_jsonl, write_profile
from .fakes import fake_classify

ERROR_END = "the tool call was blocked"


class Harness:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.state = tmp_path / "state"
        self.env: dict[str, str] = {"CRANE_STATE_DIR": str(self.state)}

    def __call__(self, data: Mapping[str, Any] | bytes, *, classifier: Callable[..., Any] = fake_classify,
                 load_config: Callable[[Mapping[str, str]], GuardConfig] | None = None, **env: str) -> HookResult:
        raw = data if isinstance(data, bytes) else encode(data)
        return evaluate(raw, {**self.env, **env}, classifier=classifier, load_config=load_config)

    def bash(self, command: str, **env: str) -> HookResult:
        return evaluate(encode(hook_input(command=command)), {**self.env, **env}, classifier=fake_classify)

    @property
    def audit(self) -> list[dict[str, Any]]:
        return read_jsonl(self.state / "audit.jsonl")

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return read_jsonl(self.state / "alerts.jsonl")

    def sticky(self, run_id: str) -> bool:
        with SqliteRunState(self.state / "state.db") as state:
            return state.is_dry_run_active(run_id)


@pytest.fixture
def hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(systmp))  # the alert fallback file lands here
    return Harness(tmp_path)


def assert_blocked(result: HookResult) -> str:
    assert result.exit_code == 2
    assert result.stdout == ""  # never JSON together with exit 2
    assert result.stderr.strip()
    return result.stderr


def assert_guard_error(result: HookResult, hook: Harness, *, alert_in_state: bool = True) -> str:
    stderr = assert_blocked(result)
    first = stderr.splitlines()[0]
    assert first.startswith("crane guard error: ") and ERROR_END in first
    assert "alert recorded in" in stderr
    if alert_in_state:
        assert hook.alerts and hook.alerts[-1]["kind"] == "guard_error"
    return stderr


# ---------------------------------------------------------------------------------------------
# Output contract


def test_allow_is_silent_exit_0(hook: Harness) -> None:
    result = hook.bash("git status")
    assert (result.exit_code, result.stdout, result.stderr, result.decision) == (0, "", "", "allow")


def test_reads_do_not_touch_the_run_state(hook: Harness) -> None:
    hook.bash("git status")
    hook(hook_input("Write", {"file_path": "/tmp/x", "content": "data"}))
    assert not (hook.state / "state.db").exists()
    assert len(hook.audit) == 2


def test_ask_is_exact_json_on_stdout(hook: Harness) -> None:
    result = hook.bash("npx wrangler deploy --env production", CRANE_ENV="prod")
    assert (result.exit_code, result.stderr, result.decision) == (0, "", "ask")
    out = json.loads(result.stdout)
    assert out == {"hookSpecificOutput": {
        "hookEventName": "PreToolUse",
        "permissionDecision": "ask",
        "permissionDecisionReason": out["hookSpecificOutput"]["permissionDecisionReason"],
    }}
    assert "production" in out["hookSpecificOutput"]["permissionDecisionReason"]
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1


def test_staging_session_production_write_is_denied_without_sticky(hook: Harness) -> None:
    result = hook.bash("npx wrangler deploy --env production", CRANE_ENV="dev")
    stderr = assert_blocked(result)
    assert stderr.startswith("crane: NOT executed: npx wrangler deploy --env production targets production")
    assert result.decision == "deny"
    assert hook.sticky("sess-1") is False
    # Not a dry run: a later staging write still goes through.
    assert hook.bash("npx wrangler deploy --env staging", CRANE_ENV="dev").exit_code == 0


def test_unknown_target_is_allowed_live_and_audited(hook: Harness) -> None:
    result = hook.bash("npx wrangler r2 object put b/k --file f --remote")
    assert result.exit_code == 0 and result.stdout == ""
    [row] = hook.audit
    assert (row["decision"], row["classification"], row["target"], row["rule"]) == (
        "allow", "external_write", "unknown", "wrangler.r2.object.put")


# ---------------------------------------------------------------------------------------------
# Dry run


def test_dry_run_intercepts_and_sets_the_sticky_flag(hook: Harness) -> None:
    result = hook.bash("npx wrangler r2 object put b/k --file f", CRANE_DRY_RUN="1")
    stderr = assert_blocked(result)
    assert result.decision == "intercepted"
    assert stderr.startswith("crane dry-run: NOT executed: npx wrangler r2 object put b/k --file f")
    assert "Nothing was written" in stderr
    assert hook.sticky("sess-1") is True
    # The flag, not the switch, now intercepts: CRANE_DRY_RUN is gone from this call.
    again = hook.bash("npx wrangler d1 execute db --command 'insert ...' --env staging")
    assert again.decision == "intercepted"
    assert "an earlier write in this run was intercepted" in again.stderr
    # Reads and local writes still work during a dry run.
    assert hook.bash("git status").exit_code == 0
    assert hook.bash("touch notes.txt").exit_code == 0


def test_dry_run_scope_from_the_profile_then_sticky(hook: Harness, tmp_path: Path) -> None:
    profile = write_profile(tmp_path / "profiles", guard='[guard]\ndry_run_scope = ["wrangler.r2.object.put"]\n')
    env = {"CRANE_PROFILE": str(profile), "CRANE_RUN_ID": "run-7"}
    # Out of scope and live: allowed.
    assert hook.bash("npx wrangler kv key put k v --env staging", **env).decision == "allow"
    first = hook.bash("npx wrangler r2 object put b/k --file f", **env)
    assert first.decision == "intercepted" and "dry-run scope" in first.stderr
    second = hook.bash("npx wrangler kv key put k v --env staging", **env)
    assert second.decision == "intercepted"
    audit = hook.audit
    assert [r["decision"] for r in audit] == ["allow", "intercepted", "intercepted"]
    assert [r["sticky_set"] for r in audit] == [False, True, False]
    assert [r["dry_run"] for r in audit] == [None, "scope", "sticky"]
    assert all(r["run_id"] == "run-7" and r["session_id"] == "sess-1" for r in audit)


def test_run_id_comes_from_crane_run_id_else_the_session(hook: Harness) -> None:
    hook.bash("npx wrangler deploy --env staging", CRANE_DRY_RUN="1", CRANE_RUN_ID="launch-42")
    assert hook.sticky("launch-42") and not hook.sticky("sess-1")
    # Without CRANE_RUN_ID (e.g. a hand-started claude), the session id keys the flag.
    hook(hook_input(command="npx wrangler deploy --env staging", session_id="sess-9"), CRANE_DRY_RUN="1")
    assert hook.sticky("sess-9")
    # A different session of the same launch still shares the launch's flag.
    result = hook(hook_input(command="npx wrangler deploy --env staging", session_id="after-clear"),
                  CRANE_RUN_ID="launch-42")
    assert result.decision == "intercepted"


def test_unparsable_command_in_dry_run_is_denied_with_the_reason(hook: Harness) -> None:
    result = hook.bash("UNPARSABLE $(printf wrangler) deploy", CRANE_DRY_RUN="1")
    stderr = assert_blocked(result)
    assert result.decision == "deny" and "parse error" in stderr


# ---------------------------------------------------------------------------------------------
# Audit


def test_audit_record_fields(hook: Harness) -> None:
    hook.bash("npx wrangler deploy --env production", CRANE_ENV="dev", CRANE_VENTURE_CODE="demo")
    hook(hook_input("Write", {"file_path": "/repo/a.txt", "content": "SECRET CONTENT"}))
    hook(hook_input("mcp__cf__create_bucket", {"name": "b"}))
    deny, write, mcp = hook.audit
    for row in (deny, write, mcp):
        assert {"time", "run_id", "tool", "command", "classification", "target", "decision", "rule", "reason",
                "venture", "env", "cwd", "tool_use_id"} <= row.keys()
    assert deny["command"] == "npx wrangler deploy --env production"
    assert (deny["decision"], deny["classification"], deny["target"], deny["rule"], deny["venture"], deny["env"]) == (
        "deny", "external_write", "production", "wrangler.deploy", "demo", "dev")
    assert deny["reason"].startswith("crane: NOT executed")
    assert write["command"] == "/repo/a.txt" and "SECRET CONTENT" not in json.dumps(write)
    assert mcp["command"] == "mcp__cf__create_bucket"


def test_no_secret_value_reaches_any_output(hook: Harness, tmp_path: Path) -> None:
    canary = "canary-Zq81-value"
    env = {"CRANE_INJECTED": "DEMO_API_KEY", "DEMO_API_KEY": canary, "CRANE_ENV": "dev"}
    results = [
        hook.bash(f"curl -H 'x-key: {canary}' https://x && npx wrangler deploy --env production", **env),
        hook.bash(f"API_TOKEN={canary} npx wrangler r2 object put b/k", CRANE_DRY_RUN="1", **env),
        hook.bash(f"echo {canary} CRASH", **env),
        hook.bash("echo ghp_" + "Q" * 36),
    ]
    assert [r.exit_code for r in results] == [2, 2, 2, 0]
    for r in results:
        assert canary not in r.stderr + r.stdout
    for path in [*tmp_path.rglob("*.jsonl")]:
        text = path.read_text()
        assert canary not in text, path
        assert "ghp_" + "Q" * 36 not in text, path
    assert "[REDACTED:DEMO_API_KEY]" in (hook.state / "audit.jsonl").read_text()


# ---------------------------------------------------------------------------------------------
# Fail closed


@pytest.mark.parametrize(("raw", "words"), [  # every one is also audited as a deny
    (b"", "malformed hook input"),
    (b"{not json", "malformed hook input"),
    (b"\xff\xfe", "malformed hook input"),
    (b"[1, 2]", "expected a JSON object"),
    (encode({**hook_input(), "tool_name": None}), "missing tool_name"),
    (encode({**hook_input(), "tool_input": "git status"}), "not an object"),
    (encode({k: v for k, v in hook_input().items() if k != "cwd"}), "missing cwd"),
    (encode({**hook_input(), "hook_event_name": "PostToolUse"}), "PreToolUse only"),
    (encode(hook_input("Bash", {"cmd": "ls"})), "field 'command'"),
    (encode(hook_input("Write", {"content": "x"})), "field 'file_path'"),
    (encode(hook_input("MultiEdit", {"file_path": "/x", "edits": "nope"})), "'edits'"),
    (encode(hook_input("NotebookEdit", {"new_source": "x"})), "notebook_path"),
    (encode(hook_input("WebFetch", {"prompt": "x"})), "'url'"),
    (encode({k: v for k, v in hook_input().items() if k != "session_id"}), "no run id"),
])
def test_bad_input_blocks(hook: Harness, raw: bytes, words: str) -> None:
    stderr = assert_guard_error(hook(raw), hook)
    assert words in stderr
    assert hook.audit[-1]["decision"] == "deny" and hook.audit[-1]["rule"] == "guard.error"


@pytest.mark.parametrize(("command", "words"), [
    ("CRASH", "RuntimeError: classifier exploded"),
    ("GARBAGE", "not a Classification"),
    ("SYSEXIT", "SystemExit"),
])
def test_classifier_failures_block(hook: Harness, command: str, words: str) -> None:
    stderr = assert_guard_error(hook.bash(command), hook)
    assert words in stderr
    assert "ghp_" not in stderr  # the crash message carried a token: redacted
    alert = hook.alerts[-1]
    assert alert["run_id"] == "sess-1" and alert["tool"] == "Bash" and "traceback" in alert
    assert hook.audit[-1]["decision"] == "deny" and hook.audit[-1]["rule"] == "guard.error"


def test_invalid_classification_values_block(hook: Harness) -> None:
    def bad(*args: Any, **kwargs: Any) -> Classification:
        return Classification("write", "mars", None)  # type: ignore[arg-type]

    stderr = assert_guard_error(hook(hook_input(), classifier=bad), hook)
    assert "invalid kind/target" in stderr


def test_missing_classifier_module_blocks(hook: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "crane.guard.see.classify", None)  # import raises ImportError
    result = evaluate(encode(hook_input()), hook.env)  # the default classifier
    stderr = assert_guard_error(result, hook)
    assert "the classifier cannot be loaded" in stderr


def test_unreachable_state_store_blocks_external_writes_only(hook: Harness) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    assert hook.bash("git status", CRANE_STATE_URL=url).exit_code == 0  # no lookup for reads
    stderr = assert_guard_error(hook.bash("npx wrangler deploy --env staging", CRANE_STATE_URL=url), hook)
    assert "cannot connect" in stderr


def test_rediss_state_url_blocks(hook: Harness) -> None:
    stderr = assert_guard_error(hook.bash("npx wrangler deploy --env staging", CRANE_STATE_URL="rediss://h/0"), hook)
    assert "TLS" in stderr


def test_redis_backend_end_to_end(hook: Harness, redis_server: RedisServer) -> None:
    env = {"CRANE_STATE_URL": redis_server.url(db=2), "CRANE_RUN_ID": "redis-e2e-" + str(free_port())}
    assert hook.bash("npx wrangler deploy --env staging", **env).decision == "allow"
    assert hook.bash("npx wrangler deploy --env staging", CRANE_DRY_RUN="1", **env).decision == "intercepted"
    assert hook.bash("npx wrangler deploy --env staging", **env).decision == "intercepted"
    assert not (hook.state / "state.db").exists()


@pytest.mark.parametrize(("env", "words"), [
    ({"CRANE_GUARD_DEADLINE": "soon"}, "ValueError"),
    ({"CRANE_GUARD_DEADLINE": "-1"}, "deadline must be a positive number"),
    ({"CRANE_GUARD_DEADLINE": "nan"}, "deadline must be a positive number"),
    ({"CRANE_PROFILE": "/nonexistent/profile.toml"}, "cannot read profile"),
])
def test_config_errors_block(hook: Harness, env: dict[str, str], words: str) -> None:
    stderr = assert_guard_error(hook.bash("git status", **env), hook)
    assert words in stderr


def test_invalid_guard_table_blocks(hook: Harness, tmp_path: Path) -> None:
    profile = write_profile(tmp_path / "p", guard='[guard]\nproduction_gate = "maybe"\n')
    stderr = assert_guard_error(hook.bash("git status", CRANE_PROFILE=str(profile)), hook)
    assert "guard.production_gate" in stderr


def test_unwritable_state_dir_blocks_and_alerts_to_the_temp_file(hook: Harness, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = hook.bash("git status", CRANE_STATE_DIR=str(blocker / "state"))
    stderr = assert_guard_error(result, hook, alert_in_state=False)
    fallback = tmp_path / "systmp" / f"crane-{__import__('os').getuid()}" / "alerts.jsonl"
    assert str(fallback) in stderr
    [row] = read_jsonl(fallback)
    assert row["kind"] == "guard_error" and row["tool"] == "Bash"


def test_config_loader_crash_blocks(hook: Harness) -> None:
    def broken(environ: Mapping[str, str]) -> GuardConfig:
        raise KeyboardInterrupt

    stderr = assert_guard_error(hook(hook_input(), load_config=broken), hook)
    assert "KeyboardInterrupt" in stderr


def test_webhook_is_called_on_failure(hook: Harness, tmp_path: Path) -> None:
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from threading import Thread

    got: list[bytes] = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), H)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/alert"
        profile = write_profile(tmp_path / "p", guard=f'[guard]\nalert_webhook = "{url}"\n')
        assert_guard_error(hook.bash("CRASH", CRANE_PROFILE=str(profile)), hook)
    finally:
        server.shutdown()
        server.server_close()
    [body] = got
    assert json.loads(body)["kind"] == "guard_error"


def test_summaries() -> None:
    assert summarize("Bash", {"command": "ls -la"}) == "ls -la"
    assert summarize("Edit", {"file_path": "/a", "old_string": "x", "new_string": "y"}) == "/a"
    assert summarize("mcp__github__create_issue", {"title": "t", "body": "long"}) == "mcp__github__create_issue"
    assert summarize("Grep", {"pattern": "TODO", "path": "/src"}) == "/src"
    assert summarize("TodoWrite", {"todos": []}) == ""


def test_real_config_loader_is_the_default(hook: Harness) -> None:
    cfg = load_guard_config({**hook.env, "CRANE_RUN_ID": "x"})
    assert cfg.run_id == "x"
