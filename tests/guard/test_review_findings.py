"""Regression tests for the classifier bypasses a security review found.

Each of these let a production write from a staging session through (classified as a read,
staging, or an unknown target). A staging session denies production-targeted external writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crane.guard.see.classify import canonical_tool_name, classify, classify_command
from crane.guard.see.shell import MAX_SOURCE_CHARS
from tests.guard.conftest import CONFIG

X, PROD, STAG = "external_write", "production", "staging"


def _bash(command: str, cwd: Path, environ: dict[str, str] | None = None) -> tuple[str, str, str | None, str]:
    result = classify("Bash", {"command": command}, cwd=str(cwd), config=CONFIG, environ=environ or {})
    return result.kind, result.target, result.rule, result.reason


# 1. npm exec with `--`: the package/program before `--` is part of the command.
@pytest.mark.parametrize(
    ("command", "project"),
    [
        ("npm exec wrangler -- deploy --env production", "bare"),
        ("npm x wrangler -- deploy --env production", "bare"),
        ("npm exec wrangler -- deploy", "prod"),
        ("npm exec --yes wrangler@4 -- deploy", "prod"),
        ("npm exec -p wrangler wrangler -- deploy", "prod"),
        ("npm exec --package=wrangler -- wrangler deploy", "prod"),
        ("pnpm exec wrangler -- deploy --env production", "staged"),
        ("pnpm dlx wrangler -- deploy --env production", "staged"),
        ("yarn exec wrangler -- deploy --env production", "staged"),
        ("yarn dlx wrangler -- deploy --env production", "staged"),
        ("bunx wrangler -- deploy --env production", "staged"),
        ("bun x wrangler -- deploy -e production", "staged"),
        ("npx wrangler -- deploy --env production", "staged"),
        ("npx -- wrangler deploy --env production", "staged"),
        ("wrangler deploy -- --env production", "staged"),
    ],
)
def test_exec_forms_with_dashdash(projects: dict[str, Path], command: str, project: str) -> None:
    kind, target, rule, reason = _bash(command, projects[project])
    assert (kind, target, rule) == (X, PROD, "wrangler.deploy"), reason


def test_dashdash_staging_stays_staging(projects: dict[str, Path]) -> None:
    assert _bash("npx wrangler -- deploy --env staging", projects["staged"])[:2] == (X, STAG)
    assert _bash("npm exec -- wrangler deploy --env staging", projects["staged"])[:2] == (X, STAG)
    # Whether or not the runner drops the `--`, the top level may be what deploys.
    assert _bash("wrangler deploy -- --env staging", projects["prod"])[:2] == (X, PROD)


# 2. Production mentions are found anywhere in unanalysable text.
@pytest.mark.parametrize(
    "command",
    [
        "echo " + "$(" * 101 + ")" * 101 + "; wrangler deploy --env production",
        "echo " + "x" * 300 + " $(; wrangler deploy --env production",
        "echo " + "a " * (MAX_SOURCE_CHARS // 2 + 10) + "; wrangler deploy --env production",
        "true" + "; true" * 30_000 + "; wrangler deploy --env production",
        "echo " + "x" * 300 + " $(; curl -X POST https://api.example.com/items",
    ],
    ids=["nesting", "parse-error", "size", "nodes", "url"],
)
def test_mentions_past_the_caps(projects: dict[str, Path], command: str) -> None:
    kind, target, _, reason = _bash(command, projects["bare"])
    assert (kind, target) == (X, PROD), reason


def test_huge_unanalysable_text_is_production(projects: dict[str, Path]) -> None:
    command = "echo " + "a " * (600 * 1024)
    kind, target, _, reason = _bash(command, projects["bare"])
    assert (kind, target) == (X, PROD), reason


def test_mcp_mention_behind_many_strings() -> None:
    payload = {"items": [str(i) for i in range(5000)], "target": "production"}
    result = classify("mcp__cf__deploy_worker", payload, cwd="/", config=CONFIG, environ={})
    assert (result.kind, result.target) == (X, PROD)


# 3. A wrangler environment computed at run time is assumed to be production.
@pytest.mark.parametrize(
    "command",
    [
        "wrangler deploy --env prod$()uction",
        "wrangler deploy --env \"$E\"",
        "E=production; CLOUDFLARE_ENV=$E wrangler deploy",
        "E=production; wrangler deploy --env $E",
        "E=staging; wrangler deploy --env $E",
        "for e in production; do wrangler deploy --env $e; done",
        "A='--env production'; wrangler deploy $A",
        "wrangler deploy --env staging $A",
        "wrangler deploy --env staging --var KEY:$V",
        "set -- --env production; wrangler deploy \"$@\"",
        "wrangler deploy *",
        "wrangler deploy {--env,production}",
        "echo production | xargs -I{} wrangler deploy --env {}",
        "echo production | xargs wrangler deploy --env",
        "find . -name x -exec wrangler deploy --env {} \\;",
        "read CLOUDFLARE_ENV <<< production; export CLOUDFLARE_ENV; wrangler deploy",
        "printf -v CLOUDFLARE_ENV production; export CLOUDFLARE_ENV; wrangler deploy",
        "mapfile CLOUDFLARE_ENV <<< production; export CLOUDFLARE_ENV; wrangler deploy",
        "readarray -t CLOUDFLARE_ENV <<< production; export CLOUDFLARE_ENV; wrangler deploy",
        "getopts p CLOUDFLARE_ENV; export CLOUDFLARE_ENV; wrangler deploy",
        "declare -n r=CLOUDFLARE_ENV; r=production; export CLOUDFLARE_ENV; wrangler deploy",
        "typeset -n ref; ref=CLOUDFLARE_ENV; ref=production; wrangler deploy",
        "export $(cat .env.prod); wrangler deploy",
        "export `cat .env.prod`; wrangler deploy",
        "declare -x $(cat .env.prod); wrangler deploy",
        "local CLOUDFLARE_ENV=$(cat f); wrangler deploy",
        "export 'CLOUDFLARE_ENV=production'; wrangler deploy",
        "builtin export CLOUDFLARE_ENV=production; wrangler deploy",
        ": ${CLOUDFLARE_ENV:=production}; export CLOUDFLARE_ENV; wrangler deploy",
        "CLOUDFLARE_ENV=prod; CLOUDFLARE_ENV+=uction; wrangler deploy",
        "for CLOUDFLARE_ENV in production; do export CLOUDFLARE_ENV; wrangler deploy; done",
        "shopt -s lastpipe; echo production | read CLOUDFLARE_ENV; export CLOUDFLARE_ENV; wrangler deploy",
        "eval \"$X\"; wrangler deploy",
        "source \"$F\"; wrangler deploy",
        ". ./missing.sh; wrangler deploy",
        "wrangler deploy --config \"$CFG\"",
    ],
)
def test_computed_environment_is_production(projects: dict[str, Path], command: str) -> None:
    kind, target, _, reason = _bash(command, projects["staged"])
    assert (kind, target) == (X, PROD), reason


def test_computed_environment_says_why(projects: dict[str, Path]) -> None:
    reason = _bash("wrangler deploy --env \"$E\"", projects["staged"])[3]
    assert reason == "environment computed at run time: assumed production"


@pytest.mark.parametrize(
    ("command", "kind", "target"),
    [
        ("wrangler deploy --env staging", X, STAG),
        ("wrangler deploy", X, STAG),
        ("CLOUDFLARE_ENV=staging wrangler deploy", X, STAG),
        ("export CLOUDFLARE_ENV=staging; wrangler deploy", X, STAG),
        ("set -euo pipefail; wrangler deploy --env staging", X, STAG),
        ("read -r REPLY; wrangler deploy --env staging", X, STAG),
        ("declare -n r=X; r=1; CLOUDFLARE_ENV=staging wrangler deploy", X, STAG),
        ('wrangler deploy --env staging --var "KEY:$V"', X, STAG),
        ("wrangler deploy src/*.ts", X, STAG),
        ('wrangler r2 object put "bucket/$KEY" --file f --remote --env staging', X, STAG),
        ('for f in *.sql; do wrangler d1 execute DB --file "$f" --remote --env staging; done', X, STAG),
        ("wrangler dev", "read", "local"),
    ],
)
def test_ordinary_forms_stay_correct(projects: dict[str, Path], command: str, kind: str, target: str) -> None:
    result = _bash(command, projects["staged"])
    assert result[:2] == (kind, target), result[3]


# 4. Tool names are matched case-insensitively, blanks stripped.
@pytest.mark.parametrize("tool", ["bash", "BASH", "Bash ", " bash\t", "powershell"])
def test_shell_tool_name_variants(projects: dict[str, Path], tool: str) -> None:
    result = classify(tool, {"command": "wrangler deploy --env production"}, cwd=str(projects["bare"]),
                      config=CONFIG, environ={})
    assert (result.kind, result.target) == (X, PROD)


def test_tool_name_normalization() -> None:
    assert canonical_tool_name("write") == "Write"
    assert canonical_tool_name(" MultiEdit ") == "MultiEdit"
    assert canonical_tool_name("notebookedit") == "NotebookEdit"
    assert canonical_tool_name("mcp__Server__Tool") == "mcp__Server__Tool"
    assert canonical_tool_name("SomethingNew") == "SomethingNew"
    result = classify("EDIT", {"file_path": "/tmp/x", "old_string": "a", "new_string": "b"}, cwd="/",
                      config=CONFIG, environ={})
    assert (result.kind, result.rule) == ("local_write", "file.edit")
    malformed = classify("bash", {"command": 3}, cwd="/", config=CONFIG, environ={})
    assert (malformed.kind, malformed.rule) == (X, "tool.malformed")


# 5. NUL bytes make a command unanalysable.
@pytest.mark.parametrize(
    ("command", "target"),
    [
        ("wrangler deploy --env production\x00", PROD),
        ("wrangler deploy\x00 --env production", PROD),
        ("ls\x00; wrangler deploy", "unknown"),
    ],
)
def test_nul_bytes(projects: dict[str, Path], command: str, target: str) -> None:
    kind, got, rule, reason = _bash(command, projects["staged"])
    assert (kind, got, rule) == (X, target, "shell.parse-error"), reason
    direct = classify_command(command, cwd=str(projects["staged"]), config=CONFIG, environ={})
    assert (direct.kind, direct.target) == (X, target)
