"""MCP tools: external writes unless named like a read; arguments judged like shell, HTTP and wrangler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crane.guard.see.classify import classify
from crane.guard.see.mcp import name_words, reads_as_read
from tests.guard.resource_projects import RESOURCE_CONFIG, make_resource_projects

R, L, X = "read", "local_write", "external_write"
PROD, STAG, LOCAL, UNK = "production", "staging", "local", "unknown"
W, P, K = "mcp.write", "guard.protected-path", "keyring.read"

CASES: list[tuple[str, dict[str, Any], str, str, str | None]] = [
    # --- the name -----------------------------------------------------------------------------
    ("mcp__github__get_issue", {"owner": "o", "issue_number": 1}, R, LOCAL, None),
    ("mcp__github__list_pull_requests", {"owner": "o"}, R, LOCAL, None),
    ("mcp__github__search_code", {"q": "x"}, R, LOCAL, None),
    ("mcp__linear__listIssues", {}, R, LOCAL, None),
    ("mcp__cloudflare__workers_list", {}, R, LOCAL, None),
    ("mcp__docs__describeTable", {"table": "users"}, R, LOCAL, None),
    ("mcp__playwright__browser_snapshot", {}, R, LOCAL, None),
    ("mcp__playwright__browser_navigate", {"url": "https://example.org"}, R, LOCAL, None),
    ("mcp__context7__resolve-library-id", {"libraryName": "wrangler"}, R, LOCAL, None),
    ("mcp__context7__get-library-docs", {"context7CompatibleLibraryID": "/cloudflare/workers-sdk"}, R, LOCAL, None),
    ("mcp__memory__read_graph", {}, R, LOCAL, None),
    ("mcp__ide__getDiagnostics", {}, R, LOCAL, None),
    ("mcp__ide__executeCode", {"code": "print(1)"}, X, UNK, W),
    ("mcp__github__resolve_review_thread", {"threadId": "t"}, X, UNK, W),
    ("mcp__tracker__open_issue", {"title": "x"}, X, UNK, W),
    ("mcp__github__create_issue", {"title": "x"}, X, UNK, W),
    ("mcp__github__merge_pull_request", {"pull_number": 3}, X, UNK, W),
    ("mcp__playwright__browser_click", {"element": "Delete"}, X, UNK, W),
    ("mcp__playwright__browser_type", {"text": "x"}, X, UNK, W),
    ("mcp__stripe__refund", {"charge": "ch_1"}, X, UNK, W),
    ("mcp__x__frobnicate", {}, X, UNK, W),  # not named like a read: a write
    ("mcp__db__get_and_delete", {}, X, UNK, W),
    ("mcp__cloudflare__d1_database_query", {"sql": "SELECT 1"}, R, LOCAL, None),
    ("mcp__cloudflare__d1_database_query", {"sql": "SELECT 1; DELETE FROM t"}, X, UNK, W),
    ("mcp__postgres__query", {"sql": "select * from users where id = 1"}, R, LOCAL, None),
    ("mcp__postgres__query", {"sql": "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x"}, X, UNK, W),
    ("mcp__db__execute_sql", {"sql": "SELECT 1"}, X, UNK, W),
    ("mcp__slack__postMessage", {"channel": "c"}, X, UNK, W),
    # --- production mentions, URLs and methods -----------------------------------------------------
    ("mcp__cf__kv_put", {"env": "production", "key": "k"}, X, PROD, W),
    ("mcp__cf__kv_put", {"env": "staging", "key": "k"}, X, UNK, W),
    ("mcp__http__post", {"request": {"url": "https://api.example.com/x"}}, X, PROD, W),
    ("mcp__http__post", {"url": "https://staging.example.com/x"}, X, STAG, W),
    ("mcp__http__post", {"url": "http://localhost:8787/x"}, L, LOCAL, W),
    ("mcp__fetch__fetch", {"url": "https://api.example.com/items"}, R, LOCAL, None),
    ("mcp__fetch__fetch", {"url": "https://api.example.com/items", "method": "DELETE"}, X, PROD, W),
    ("mcp__fetch__fetch", {"url": "https://example.org/items", "method": "post"}, X, UNK, W),
    ("mcp__fetch__fetch", {"url": "https://example.org/items", "method": "GET"}, R, LOCAL, None),
    ("mcp__api__request", {"endpoint": "https://api.example.com/v1/users/1", "method": "PATCH"}, X, PROD, W),
    ("mcp__http__send", {"headers": {"Host": "api.example.com"}, "url": "http://203.0.113.5/x"}, X, PROD, W),
    # --- resource ids: the wrangler config's production resources and the profile's ---------------
    ("mcp__cloudflare__d1_database_query", {"database_id": "9999prod-db", "sql": "DROP TABLE t"}, X, PROD, W),
    ("mcp__cloudflare__d1_database_query", {"database_id": "1111stage-db", "sql": "DROP TABLE t"}, X, UNK, W),
    ("mcp__cloudflare__r2_put_object", {"bucket": "shop-assets", "key": "k"}, X, PROD, W),
    ("mcp__cloudflare__r2_put_object", {"path": "shop-assets/k"}, X, PROD, W),
    ("mcp__cloudflare__kv_namespace_delete", {"namespace_id": "prodkv9999"}, X, PROD, W),
    ("mcp__cloudflare__worker_deploy", {"scriptName": "shop"}, X, PROD, W),
    ("mcp__cloudflare__worker_deploy", {"scriptName": "shop-staging"}, X, UNK, W),
    ("mcp__aws__s3_put", {"bucket": "cdn-prod-bucket"}, X, PROD, W),
    ("mcp__pulumi__up", {"stack": "payments-stack"}, X, PROD, W),
    ("mcp__cloudflare__d1_database_get", {"database_id": "9999prod-db"}, R, LOCAL, None),
    # --- command-like arguments are shell ----------------------------------------------------------
    ("mcp__shell__run_command", {"command": "npx wrangler deploy --env production"}, X, PROD, "wrangler.deploy"),
    ("mcp__shell__run_command", {"command": "ls -la"}, X, UNK, W),
    ("mcp__desktop__execute", {"cmd": "wrangler d1 delete shop-db"}, X, PROD, "wrangler.d1.delete"),
    ("mcp__proc__spawn", {"command": "wrangler", "args": ["deploy", "--env", "production"]}, X, PROD,
     "wrangler.deploy"),
    ("mcp__term__exec", {"script": "cd ../main && git push origin production"}, X, PROD, "git.push"),
    ("mcp__term__get_output", {"command": "echo '{}' > .claude/settings.json"}, X, PROD, P),
    ("mcp__term__get_output", {"command": "git status"}, R, LOCAL, None),
    # --- paths ------------------------------------------------------------------------------------
    ("mcp__filesystem__write_file", {"path": ".claude/settings.json", "content": "{}"}, X, PROD, P),
    ("mcp__filesystem__edit_file", {"path": "/srv/app/.git/hooks/pre-commit", "edits": []}, X, PROD, P),
    ("mcp__filesystem__move_file", {"source": "x", "destination": ".husky/pre-push"}, X, PROD, P),
    ("mcp__filesystem__write_file", {"path": "src/app.ts", "content": "x"}, X, UNK, W),
    ("mcp__filesystem__read_file", {"path": ".claude/settings.json"}, R, LOCAL, None),
    ("mcp__filesystem__read_file", {"path": "~/.local/share/keyrings/login.keyring"}, X, PROD, K),
    ("mcp__filesystem__read_multiple_files", {"paths": ["a", "/root/.local/share/python_keyring/x.cfg"]}, X, PROD,
     K),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_resource_projects(tmp_path_factory.mktemp("mcp"))["shop"]


@pytest.mark.parametrize(("tool", "tool_input", "kind", "target", "rule"), CASES,
                         ids=[f"{c[0]}:{i}" for i, c in enumerate(CASES)])
def test_mcp_corpus(shop: Path, tool: str, tool_input: dict[str, Any], kind: str, target: str,
                    rule: str | None) -> None:
    result = classify(tool, tool_input, cwd=str(shop), config=RESOURCE_CONFIG, environ={})
    assert (result.kind, result.target, result.rule) == (kind, target, rule), result.reason


def test_name_words() -> None:
    assert name_words("listPullRequests") == ["list", "pull", "requests"]
    assert name_words("d1_database_query") == ["d", "1", "database", "query"]
    assert name_words("browser-navigate") == ["browser", "navigate"]
    assert reads_as_read("getHTTPResponse") and not reads_as_read("getOrCreate") and not reads_as_read("zap")


def test_profile_patterns_still_apply(shop: Path) -> None:
    config = RESOURCE_CONFIG.replace(mcp_read_patterns=("frobnicate",))
    assert classify("mcp__x__frobnicate", {}, cwd=str(shop), config=config, environ={}).kind == R
    config = RESOURCE_CONFIG.replace(mcp_write_patterns=("*fetch*",))
    assert classify("mcp__x__fetch_page", {}, cwd=str(shop), config=config, environ={}).kind == X


def test_corpus_size() -> None:
    assert len(CASES) >= 45
