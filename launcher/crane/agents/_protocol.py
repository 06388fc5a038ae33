"""What the Codex and Gemini hook adapters share: the answer's wire form, and tool-input helpers.

Standard library only and nothing imported at run time: the hook loads this on every tool call.

Both clients block a tool call on exit 2 with text on stderr and nothing on stdout, run it on
exit 0 with no output, and (unlike Claude Code) also run it on exit 2 with NO output. So a
denial here always carries a non-empty reason, and no decision is ever rendered as JSON (a
Gemini-style `{"decision": "deny"}` counts as a hook failure in Codex, and vice versa).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

EXIT_ALLOW = 0
EXIT_BLOCK = 2
FALLBACK_REASON = "crane: NOT executed: blocked by crane's guard. Nothing was run."


def render_without_ask(decision: str, reason: str, client: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) for a client whose hooks cannot ask the user.

    `ask` (a production session's `production_gate = "ask"`, or `local_writes = "ask"`) becomes a
    denial that says why and how the user can do it by hand: the safe reading of "needs a human".
    """
    if decision == "allow":
        return EXIT_ALLOW, "", ""
    if decision in ("deny", "intercepted"):
        return EXIT_BLOCK, "", (reason.strip() or FALLBACK_REASON) + "\n"
    if decision == "ask":
        question = reason.strip().removesuffix("Run it?").removesuffix("Allow it?").strip()
        text = (
            f"crane: NOT executed: this call needs the user's confirmation ({question}), and {client} "
            "hooks cannot ask for it, so crane blocked it. Nothing was run. Tell the user what you wanted "
            "to run and why; they can run it themselves in their own terminal if they want it done."
        )
        return EXIT_BLOCK, "", text + "\n"
    raise ValueError(f"unknown decision {decision!r}")


def need_object(data: Mapping[str, Any], key: str, client: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"malformed {client} hook input: field {key!r} missing or not an object")
    return value


def need_text(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(f"unexpected {what} input: field {key!r} missing or not a string")
    return value


def claude_call(data: Mapping[str, Any], tool_name: str, tool_input: Mapping[str, Any],
                cwd: str | None = None) -> dict[str, Any]:
    """The hook input in Claude Code's shape, which the guard's reader and classifier speak."""
    out = {key: data[key] for key in ("session_id", "tool_use_id", "permission_mode", "cwd") if key in data}
    if cwd is not None:
        out["cwd"] = cwd
    out.update(hook_event_name="PreToolUse", tool_name=tool_name, tool_input=dict(tool_input))
    return out


def unknown_tool(client: str, tool_name: str) -> ValueError:
    return ValueError(
        f"{client} tool {tool_name!r} is not one crane knows, so it cannot tell what the call would do "
        "(crane blocks unknown tools rather than guess)"
    )
