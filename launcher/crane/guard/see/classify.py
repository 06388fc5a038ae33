"""The guard's classifier: one tool call in, one `Classification` out.

    classify(tool_name, tool_input, cwd=..., config=...) -> Classification

Policy by tool:

- `Bash` / `PowerShell`: the command string is analysed (`crane.guard.see.analyse`). A cheap
  prefilter (`crane.guard.see.prefilter`) clears plain reads without parsing; anything else is parsed
  with tree-sitter-bash. PowerShell text goes through the same bash analysis: constructs bash
  cannot read become "cannot parse command" (an external write), which errs on the safe side.
- `Write`, `Edit`, `MultiEdit`, `NotebookEdit`: a local write (rule `file.edit`).
- `Write`, `Edit`, ... on a protected path (`.claude/settings*.json`, `.git/hooks/`, crane's state,
  ...): `guard.protected-path`, denied in every mode (`crane.guard.see.protected`).
- MCP tools `mcp__<server>__<tool>`: an external write (rule `mcp.write`) unless the name reads as
  a read; command-like arguments are analysed as shell, URLs/methods as HTTP, production resource
  ids and mentions make it production (`crane.guard.see.mcp`). `guard.mcp_read_patterns` win.
- Known read-only tools (Read, Grep, Glob, WebFetch, WebSearch, Task, TodoWrite, ...): a read;
  Read/Grep/Glob of an OS keyring file is `keyring.read`.
- Any other tool name: a tool that carries a file path and is named like an editor
  (edit/write/patch/notebook/create/delete/move/rename/replace) is a local write (protected paths
  as above); one whose name matches
  the MCP write patterns is an external write with an unknown target; otherwise a read. New
  built-in tools should be added to the lists below when they appear.
- Malformed input (a Bash call without a string command) is an external write with an unknown
  target: the guard cannot tell what would run.

Imports: only the standard library and crane, and on the prefilter path only what the hook has
loaded already (no typing, dataclasses, tomllib at run time); the analysis and tree_sitter load
when a command needs parsing. It never raises for any command text; unexpected states inside the
analysis propagate (the hook turns any exception into a denial).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from fnmatch import fnmatchcase

from crane.guard.model import Classification, Finding, combine
from crane.guard.see.prefilter import is_harmless, rule_program_names, sensitive_programs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from crane.guard.rules.config import GuardConfig
    from crane.guard.rules.engine import RuleSet

SHELL_TOOLS = frozenset({"Bash", "PowerShell"})
EDIT_TOOLS = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit"})
READ_TOOLS = frozenset({
    "Read", "Grep", "Glob", "LS", "WebFetch", "WebSearch", "NotebookRead", "TodoWrite", "TodoRead",
    "Task", "Agent", "ExitPlanMode", "EnterPlanMode", "BashOutput", "KillShell", "KillBash",
    "ListMcpResourcesTool", "ReadMcpResourceTool", "AskUserQuestion", "Skill", "SlashCommand",
    "TaskCreate", "TaskGet", "TaskList", "TaskUpdate", "TaskOutput", "TaskStop", "ToolSearch",
    "LSP", "Monitor",
})
RULE_FILE_EDIT = "file.edit"
RULE_MCP_WRITE = "mcp.write"
RULE_TOOL_WRITE = "tool.write"
RULE_MALFORMED = "tool.malformed"
# Built-in tool names by their case-folded, stripped form: `bash`, `BASH` and `"Bash "` are Bash.
_CANONICAL = {name.lower(): name for name in (*SHELL_TOOLS, *EDIT_TOOLS, *READ_TOOLS)}
# Gemini CLI's file tools are `write_file` and `replace`.
_EDITOR_WORDS = ("edit", "write", "patch", "notebook", "create", "delete", "move", "rename", "replace")
_PATH_FIELDS = ("file_path", "path", "notebook_path", "filePath")


def classify(
    tool_name: str,
    tool_input: Mapping[str, Any],
    *,
    cwd: str,
    config: GuardConfig,
    environ: Mapping[str, str] | None = None,
) -> Classification:
    """What this tool call would do, and where. `environ` defaults to the hook's environment."""
    environ = os.environ if environ is None else environ
    tool_name = canonical_tool_name(tool_name)
    if not isinstance(tool_input, Mapping):
        return _malformed(tool_name, "tool input is not an object")
    if tool_name in SHELL_TOOLS:
        command = tool_input.get("command")
        if not isinstance(command, str):
            return _malformed(tool_name, "no command string")
        return classify_command(command, cwd=cwd, config=config, environ=environ)
    if tool_name in EDIT_TOOLS:
        return _local_edit(tool_name, tool_input, config, cwd)
    if tool_name.startswith("mcp__"):
        return classify_mcp(tool_name, tool_input, config, cwd=cwd, environ=environ)
    if tool_name in READ_TOOLS:
        return _keyring_read(tool_name, tool_input) or _read(tool_name, "read-only tool")
    return _unknown_tool(tool_name, tool_input, config, cwd)


def canonical_tool_name(tool_name: str) -> str:
    """A built-in tool's name as Claude Code spells it, whatever its case and surrounding blanks.

    Other names (MCP tools included) are returned unchanged.
    """
    if not isinstance(tool_name, str):
        return str(tool_name)
    return _CANONICAL.get(tool_name.strip().lower(), tool_name)


def classify_command(
    command: str,
    *,
    cwd: str | None,
    config: GuardConfig,
    environ: Mapping[str, str] | None = None,
    rules: RuleSet | None = None,
    prefilter: bool = True,
) -> Classification:
    """Classify one shell command string (what the Bash tool would run in `cwd`)."""
    environ = os.environ if environ is None else environ
    if prefilter and rules is None:
        names = rule_program_names(config.extra_rules)
        if names is not None and is_harmless(command, sensitive_programs(names)):
            return Classification("read", "local", None, (), "prefilter: plain read")
    from crane.guard.rules.engine import load_rules
    from crane.guard.see.analyse import analyse_command

    if rules is None:
        rules = load_rules(config.extra_rules, str(config.profile_path or "(profile)"))

    findings = analyse_command(command, cwd=cwd, config=config, rules=rules, environ=environ)
    return combine(tuple(findings))


def classify_mcp(tool_name: str, tool_input: Mapping[str, Any], config: GuardConfig, *, cwd: str | None = None,
                 environ: Mapping[str, str] | None = None) -> Classification:
    """An MCP tool call, judged by its name and arguments (see `crane.guard.see.mcp`)."""
    from crane.guard.rules.config import DEFAULT_MCP_WRITE_PATTERNS
    from crane.guard.see import mcp

    return mcp.classify_mcp(tool_name, tool_input, config, cwd=cwd, environ=environ,
                            default_write_patterns=DEFAULT_MCP_WRITE_PATTERNS)


def _local_edit(tool_name: str, tool_input: Mapping[str, Any], config: GuardConfig | None = None,
                cwd: str | None = None) -> Classification:
    path = next((tool_input[f] for f in _PATH_FIELDS if isinstance(tool_input.get(f), str)), "")
    text = f"{tool_name} {path}".strip()
    if config is not None:
        from crane.guard.see.protected import RULE_PROTECTED, protected_write

        for candidate in _edited_paths(tool_input):
            why = protected_write(candidate, cwd, config, removes=True)
            if why is not None:
                return combine((Finding("external_write", "production", RULE_PROTECTED, tool_name, text, why),))
    finding = Finding("local_write", "local", RULE_FILE_EDIT, tool_name, text, "edits a file")
    return combine((finding,))


def _edited_paths(tool_input: Mapping[str, Any]) -> list[str]:
    """The paths a file tool writes: its path fields, and the files an `apply_patch`-style patch names."""
    paths = [tool_input[f] for f in _PATH_FIELDS if isinstance(tool_input.get(f), str)]
    for field in ("patch", "input", "diff"):
        text = tool_input.get(field)
        if isinstance(text, str) and "*** " in text:
            import re

            paths += re.findall(r"^\s*\*\*\* (?:Add|Update|Delete) File: \s*(.+?)\s*$", text, re.MULTILINE)
            paths += re.findall(r"^\s*\*\*\* Move to: \s*(.+?)\s*$", text, re.MULTILINE)
    return paths


def _keyring_read(tool_name: str, tool_input: Mapping[str, Any]) -> Classification | None:
    """Read/Grep/Glob of an OS keyring's files: the stored credentials (rule keyring.read)."""
    from crane.guard.see.protected import RULE_KEYRING, keyring_file

    for field in (*_PATH_FIELDS, "pattern", "glob"):
        value = tool_input.get(field)
        if isinstance(value, str) and keyring_file(value):
            why = f"{value} is a keyring file (where crane keeps credentials)"
            finding = Finding("external_write", "production", RULE_KEYRING, tool_name, f"{tool_name} {value}", why)
            return combine((finding,))
    return None


def _read(tool_name: str, why: str) -> Classification:
    return combine((Finding("read", "local", None, tool_name, tool_name, why),))


def _malformed(tool_name: str, problem: str) -> Classification:
    why = f"malformed {tool_name} call: {problem}"
    finding = Finding("external_write", "unknown", RULE_MALFORMED, tool_name, tool_name, why)
    return combine((finding,))


def _unknown_tool(tool_name: str, tool_input: Mapping[str, Any], config: GuardConfig,
                  cwd: str | None = None) -> Classification:
    lowered = tool_name.lower()
    has_path = any(isinstance(tool_input.get(f), str) for f in _PATH_FIELDS)
    if (has_path or "patch" in lowered) and any(word in lowered for word in _EDITOR_WORDS):
        return _local_edit(tool_name, tool_input, config, cwd)
    pattern = next((p for p in config.mcp_write_patterns if fnmatchcase(lowered, p.lower())), None)
    if pattern is None:
        return _read(tool_name, "unknown tool, not named like a write")
    why = f"unknown tool named like a write ({pattern!r})"
    finding = Finding("external_write", "unknown", RULE_TOOL_WRITE, tool_name, _summary(tool_name, tool_input), why)
    return combine((finding,))


def _summary(tool_name: str, tool_input: Mapping[str, Any]) -> str:
    import json

    try:
        return f"{tool_name} {json.dumps(tool_input, default=str)[:300]}"
    except (TypeError, ValueError):
        return tool_name
