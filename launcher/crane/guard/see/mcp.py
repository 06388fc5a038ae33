"""MCP tools (`mcp__<server>__<tool>`): what a call would do, from the tool's name and arguments.

- The name: a tool is an external write unless its name reads as a read. The name is cut into
  words (`listPullRequests`, `d1_database_query`, `browser-navigate`); a word that says it
  changes something (create, delete, query, run, click, ...) makes it a write, else a word that
  says it looks (get, list, read, search, describe, ...) makes it a read, else it is a write.
  The profile's `mcp_read_patterns` win; its own `mcp_write_patterns` (when changed from the
  defaults) make a matching tool a write.
- Command-like arguments (`command`, `cmd`, `args`, `script`, `shell`, ...) are analysed as shell
  commands, exactly as the Bash tool's.
- URLs and methods (`url`, `endpoint`, `method`, ...) are judged like an HTTP client's: a
  mutating method is a write even for a read-named tool; the URL gives the target.
- Resource ids: an argument naming a production resource of the wrangler config in the working
  directory (worker, D1 database name/id, R2 bucket, KV namespace id, queue) or one of the
  profile's `production_resources` makes it production; so does any production mention
  (`production`, the profile's production URLs and hosts).
- Paths: a write-named tool aimed at a protected path (`.claude/settings.json`, `.git/hooks/`,
  crane's state...) is `guard.protected-path`; any tool reading a keyring file is `keyring.read`.

Standard library and crane only.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from crane.guard.model import Classification, Finding, combine

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from crane.guard.model import Target
    from crane.guard.rules.config import GuardConfig

RULE_MCP_WRITE = "mcp.write"

WRITE_WORDS = frozenset({
    "create", "update", "delete", "put", "write", "insert", "upsert", "remove", "deploy", "publish", "push",
    "send", "post", "set", "execute", "exec", "run", "upload", "merge", "drop", "patch", "add", "migrate",
    "rollback", "query", "sql", "click", "type", "fill", "submit", "evaluate", "eval", "invoke", "call",
    "trigger", "apply", "import", "restore", "purge", "destroy", "terminate", "kill", "start", "stop",
    "restart", "reset", "approve", "close", "reopen", "comment", "assign", "transfer", "rename", "move",
    "copy", "edit", "modify", "replace", "schedule", "cancel", "enable", "disable", "grant", "revoke",
    "rotate", "archive", "unarchive", "lock", "unlock", "pin", "unpin", "star", "fork", "sync", "commit",
    "checkout", "release", "tag", "install", "uninstall", "save", "store", "mark", "ack", "open",
    "invite", "ban", "kick", "pay", "charge", "refund", "email", "message", "reply", "react",
    "notify", "dispatch", "provision", "scale", "promote", "revert", "truncate", "alter", "bulk",
    "batch", "mutate", "mutation", "shell", "terminal", "bash", "command", "script", "spawn",
    "press", "drag", "select", "generate", "clear", "flush", "expire",
})
READ_WORDS = frozenset({
    "get", "list", "read", "search", "describe", "fetch", "show", "view", "find", "lookup", "inspect",
    "status", "info", "count", "check", "explain", "validate", "preview", "head", "stat", "tail", "logs",
    "log", "whoami", "ping", "help", "browse", "retrieve", "download", "export", "summarize", "analyze",
    "analyse", "compare", "diff", "ls", "cat", "tree", "grep", "glob", "exists", "navigate", "snapshot",
    "screenshot", "take", "hover", "wait", "console", "network", "visit", "scrape", "crawl",
    "extract", "docs", "documentation", "library", "outline", "symbols", "references",
    "definition", "diagnostics", "think", "sequentialthinking", "echo", "tabs",
})
COMMAND_KEYS = ("command", "cmd", "args", "arguments", "script", "shell", "commandline", "command_line", "bash",
                "shell_command")
URL_KEYS = ("url", "uri", "endpoint", "href", "baseurl", "base_url", "webhook", "webhook_url", "target_url",
            "request_url", "api_url", "link")
METHOD_KEYS = ("method", "http_method", "httpmethod", "verb", "request_method")
PATH_KEYS = ("path", "file_path", "filepath", "filename", "file", "destination", "dest", "target", "source",
             "new_path", "old_path", "paths", "directory", "dir", "notebook_path", "target_file", "output")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CRANE_TOOLS = frozenset({"crane_preflight", "crane_run_status", "crane_smoke"})  # crane.mcp_server.TOOLS
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def name_words(tool: str) -> list[str]:
    """`listPullRequests` -> list, pull, requests; `d1_database_query` -> d, 1, database, query."""
    return [w.lower() for w in _WORD.findall(tool)]


def reads_as_read(tool: str) -> bool:
    words = name_words(tool)
    if any(w in WRITE_WORDS for w in words):
        return False
    return any(w in READ_WORDS for w in words)


def classify_mcp(
    tool_name: str,
    tool_input: Mapping[str, Any],
    config: GuardConfig,
    *,
    cwd: str | None = None,
    environ: Mapping[str, str] | None = None,
    default_write_patterns: tuple[str, ...] = (),
) -> Classification:
    parts = tool_name.split("__", 2)
    server = parts[1] if len(parts) > 1 else ""
    tool = parts[2] if len(parts) > 2 else ""
    if server == "crane" and tool in CRANE_TOOLS:
        # crane's own server (`crane mcp`, registered by the launch): read-only by construction.
        return combine((Finding("read", "local", None, tool_name, tool_name, "crane's own read-only MCP tool"),))
    if _matches(server, tool, config.mcp_read_patterns):
        return combine((Finding("read", "local", None, tool_name, tool_name, "MCP tool matches a read pattern"),))
    custom = config.mcp_write_patterns != default_write_patterns
    pattern = _matches(server, tool, config.mcp_write_patterns) if custom else None
    write = pattern is not None or not reads_as_read(tool)
    if write and pattern is None and _read_only_query(tool, tool_input):
        write = False  # a query tool given one read-only SELECT
    why = (f"MCP tool matches write pattern {pattern!r}" if pattern else
           "MCP tool not named like a read" if write else "MCP tool named like a read")
    leaves = strings(tool_input)
    findings: list[Finding] = []
    summary = tool_name

    # Command-like arguments run as shell commands.
    for command in _commands(tool_input):
        from crane.guard.see.classify import classify_command

        found = classify_command(command, cwd=cwd, config=config, environ=environ)
        findings.extend(f.replace(why=f"{f.why} (in {tool_name} argument)".strip()) for f in found.findings)

    # URLs and methods, as an HTTP client's.
    method = _first(tool_input, METHOD_KEYS)
    urls = [v for v in _values(tool_input, URL_KEYS) if isinstance(v, str)]
    if method is not None and method.strip().upper() not in READ_METHODS:
        write, why = True, f"{why}; HTTP method {method.strip().upper()}"
    target: Target = "unknown"
    if urls:
        from crane.guard.see.targets import url_target

        target, url_why = url_target(list(urls), config)
        why = f"{why}; {url_why}"

    # Paths: protected ones for writes, keyring files for any access.
    from crane.guard.see import protected

    paths = [v for v in _values(tool_input, PATH_KEYS) for v in (v if isinstance(v, list) else [v])
             if isinstance(v, str)]
    for path in paths:
        if protected.keyring_file(path):
            findings.append(Finding("external_write", "production", protected.RULE_KEYRING, tool_name, summary,
                                    f"{path} is a keyring file (where crane keeps credentials)"))
        elif write:
            guarded = protected.protected_write(path, cwd, config, removes=True)
            if guarded is not None:
                findings.append(Finding("external_write", "production", protected.RULE_PROTECTED, tool_name,
                                        summary, guarded))

    if write:
        if target == "local":
            findings.append(Finding("local_write", "local", RULE_MCP_WRITE, tool_name, summary, why))
        else:
            if target != "production":
                mention = production_mention(leaves, config, cwd)
                if mention:
                    target, why = "production", f"{why}; {mention}"
            findings.append(Finding("external_write", target, RULE_MCP_WRITE, tool_name, summary, why))
    else:
        findings.append(Finding("read", "local", None, tool_name, summary, why))
    return combine(tuple(findings))


SQL_KEYS = ("sql", "query", "statement", "command")


def _read_only_query(tool: str, tool_input: Mapping[str, Any]) -> bool:
    """A tool whose only writing word is query/sql, given one read-only SELECT (as `wrangler d1
    execute --command` is judged)."""
    writes = {w for w in name_words(tool) if w in WRITE_WORDS}
    if not writes or not writes <= {"query", "sql"}:
        return False
    sqls = [v for v in _values(tool_input, SQL_KEYS) if isinstance(v, str)]
    if len(sqls) != 1 or len(strings(tool_input)) > 8:
        return False
    from crane.guard.rules.engine import Arg, Option, ParsedArgs, read_only_sql

    return read_only_sql(ParsedArgs((Option("--command", Arg(sqls[0], sqls[0])),), (), False))


def production_mention(leaves: list[str], config: GuardConfig, cwd: str | None) -> str | None:
    """A production environment, URL, host or resource named in the arguments."""
    from crane.guard.see.targets import mentions_production

    mention = mentions_production(leaves, config)
    if mention:
        return mention
    if cwd is None:
        return None
    from crane.guard.rules.engine import ParsedArgs
    from crane.guard.see.resources import production_identifiers
    from crane.guard.see.wrangler import find_config

    found = find_config(ParsedArgs((), (), False), cwd)
    if isinstance(found, str) or found[1] is None:
        return None
    identifiers = production_identifiers(found[1], config)
    for leaf in leaves:
        for word in (leaf, leaf.split("/", 1)[0]):
            what = identifiers.get(word.strip().lower())
            if what is not None:
                return f"names {what}"
    return None


def _matches(server: str, tool: str, patterns: tuple[str, ...]) -> str | None:
    tool_l = tool.lower()
    full = f"{server}__{tool}".lower()
    for pattern in patterns:
        p = pattern.lower()
        if fnmatchcase(full if "__" in p else tool_l, p):
            return pattern
    return None


def _norm(key: object) -> str:
    return str(key).lower().replace("-", "_")


def _values(value: object, keys: tuple[str, ...], depth: int = 0) -> list[Any]:
    """Values under any of `keys` (case-insensitive) anywhere in a JSON-like value."""
    out: list[Any] = []
    if depth > 32:
        return out
    if isinstance(value, dict):
        for key, item in value.items():
            if _norm(key) in keys:
                out.append(item)
            out.extend(_values(item, keys, depth + 1))
    elif isinstance(value, list | tuple):
        for item in value:
            out.extend(_values(item, keys, depth + 1))
    return out


def _first(value: object, keys: tuple[str, ...]) -> str | None:
    return next((v for v in _values(value, keys) if isinstance(v, str)), None)


def _commands(tool_input: Mapping[str, Any]) -> list[str]:
    """Shell command texts in the arguments: strings, or lists of words (`command` + `args`)."""
    import shlex

    commands: list[str] = []
    head = ""
    for key in COMMAND_KEYS:
        for value in _values(tool_input, (key,)):
            if isinstance(value, str) and value.strip():
                if key in ("command", "cmd"):
                    head = value
                commands.append(value)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
                words = " ".join(shlex.quote(v) for v in value)
                commands.append(words)
                if head and key in ("args", "arguments"):
                    commands.append(f"{head} {words}")
    return list(dict.fromkeys(commands))


def strings(value: object) -> list[str]:
    """Every string leaf of a JSON-like value (keys too), for production mentions. Not capped:
    the value is already in memory, and a cap would let padding hide a mention."""
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
            out.extend(str(k) for k in item if isinstance(k, str))
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            out.append(str(item))
    return out
