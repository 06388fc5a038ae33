"""A stand-in classifier for the runtime tests: a few literal rules on the command text.

The real classifier (crane.guard.see.classify) is written separately; these tests exercise the
runtime with real `Classification` values from crane.guard.model. Some commands trigger
misbehaviour on purpose (crash, hang, garbage) to prove the hook fails closed.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Mapping
from typing import Any

from crane.guard.model import Classification, Finding, combine

WRITE_RULES = (
    ("wrangler r2 object put", "wrangler.r2.object.put"),
    ("wrangler kv key put", "wrangler.kv.key.put"),
    ("wrangler d1 execute", "wrangler.d1.execute"),
    ("wrangler deploy", "wrangler.deploy"),
    ("wrangler delete", "wrangler.delete"),
)


def _target(command: str) -> tuple[str, str]:
    if re.search(r"(--env[ =]|-e[ =])production\b", command):
        return "production", "--env production"
    if re.search(r"(--env[ =]|-e[ =])staging\b", command):
        return "staging", "--env staging"
    return "unknown", "no --env"


def fake_classify(tool_name: str, tool_input: Mapping[str, Any], *, cwd: str, config: Any) -> Classification:
    if tool_name in ("Write", "Edit", "MultiEdit", "NotebookEdit"):
        path = str(tool_input.get("file_path") or tool_input.get("notebook_path"))
        return combine((Finding("local_write", "local", f"file.{tool_name.lower()}", tool_name, path),))
    if tool_name.startswith("mcp__"):
        if "create" in tool_name:
            return combine((Finding("external_write", "unknown", "mcp.write", tool_name, tool_name, "MCP write"),))
        return combine((Finding("read", "local", None, tool_name, tool_name),))
    if tool_name != "Bash":
        return combine(())
    command = str(tool_input["command"])
    if "CRASH" in command:
        raise RuntimeError("classifier exploded near token=ghp_" + "A" * 36)
    if "GARBAGE" in command:
        return "not a classification"  # type: ignore[return-value]
    if "SYSEXIT" in command:
        sys.exit(0)
    if "HARDEXIT" in command:
        os._exit(1)
    if "SLEEP" in command:
        time.sleep(3600)  # only the deadline can end this call
    if "REGEX_HANG" in command:
        # Catastrophic backtracking in C: holds the GIL, so no Python thread can run meanwhile.
        re.match(r"(a+)+$", "a" * 64 + "b")
    if "UNPARSABLE" in command:
        finding = Finding("external_write", "unknown", None, "?", command, "parse error: treated as an external write")
        return combine((finding,), "parse error: treated as an external write")
    for needle, rule in WRITE_RULES:
        if needle in command:
            target, why = _target(command)
            return combine((Finding("external_write", target, rule, "wrangler", command, why),))  # type: ignore[arg-type]
    if command.startswith(("touch ", "mkdir ", "rm ")):
        return combine((Finding("local_write", "local", "fs.write", command.split()[0], command),))
    return combine((Finding("read", "local", None, command.split()[0] if command.split() else "", command),))
