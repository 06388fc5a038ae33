"""Gemini CLI: its BeforeTool hook protocol, and the per-run install route for `crane launch gemini`.

Hook protocol (0.61.0, observed; ../shared/reference/agent-hooks.md §3.1), pure and stdlib-only:

- Input: `hook_event_name: "BeforeTool"`, Gemini's own tool names. Each built-in tool of 0.61.0
  is mapped onto Claude Code's vocabulary, which the classifier speaks (`run_shell_command` ->
  Bash, `write_file` -> Write, `replace` -> Edit, `read_file` -> Read, ...); MCP tools
  `mcp_<server>_<tool>` -> `mcp__<server>__<tool>` (split at the first `_`, so a server name with
  an underscore shifts a word into the tool part, where the MCP write patterns still see it).
  Any other tool name is refused: crane cannot tell what it would do.
- Answer: allow = exit 0, no output; deny = exit 2 with the reason on stderr and NOTHING on stdout
  (the client reads `stdout || stderr`; non-JSON text at exit 2 blocks, but exit 2 with no text
  at all lets the tool run). 0.61.0 has a hook `"ask"` decision, but in headless mode
  (`gemini -p --approval-mode yolo`) it was observed to hang the run, waiting for a confirmation
  nobody can give; so an ask is rendered as a denial telling the user how to do it by hand.

Install route: a crane-made GEMINI_CLI_HOME per session (see `build_home`) and `--skip-trust`. The
session context goes in through a SessionStart hook in the same settings (the switch that would
silence it is the guard's own, which crane refuses to launch without), crane's MCP server as
`mcpServers.crane`.
"""

from __future__ import annotations

from crane.agents._protocol import claude_call, need_object, need_text, render_without_ask, unknown_tool

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

    from crane.agents import Prepared, Say

CLIENT = "Gemini CLI"
AGENT = "gemini"
# Milliseconds (Gemini's unit). crane's own deadlines (the hook client's 8 s, its 9 s kill
# backstop, the guard's 3 s default) stay well below it: on a client timeout Gemini runs the tool.
HOOK_TIMEOUT_MS = 20_000
SUPPORTED = ((0, 61, 0), (0, 62, 0))  # tested range: [low, high)
HOOK_NAME_PREFIX = "crane-guard-"
CONTEXT_TIMEOUT_MS = 10_000

# Gemini built-in tool -> the Claude Code tool that does the same kind of thing (reads only).
READ_TOOLS = {
    "read_file": "Read",
    "read_many_files": "Read",
    "list_directory": "LS",
    "glob": "Glob",
    "grep_search": "Grep",
    "search_file_content": "Grep",
    "google_web_search": "WebSearch",
    "write_todos": "TodoWrite",
    "ask_user": "AskUserQuestion",
    "enter_plan_mode": "EnterPlanMode",
    "exit_plan_mode": "ExitPlanMode",
    "activate_skill": "Skill",
    "get_internal_docs": "Read",
    "invoke_agent": "Task",  # the subagent's own tool calls pass this hook too
    "complete_task": "TaskUpdate",
    "update_topic": "TodoWrite",
    "tracker_add_dependency": "TaskUpdate",
    "tracker_create_task": "TaskCreate",
    "tracker_get_task": "TaskGet",
    "tracker_list_tasks": "TaskList",
    "tracker_update_task": "TaskUpdate",
    "tracker_visualize": "TaskList",
    "take_snapshot": "Read",
    "list_mcp_resources": "ListMcpResourcesTool",
    "read_mcp_resource": "ReadMcpResourceTool",
}


# ---------------------------------------------------------------------------------------------
# Hook protocol


def translate(data: Mapping[str, Any]) -> dict[str, Any]:
    """Gemini's BeforeTool input in the guard's (Claude Code's) vocabulary; ValueError if unknown."""
    event = data.get("hook_event_name")
    if event != "BeforeTool":
        raise ValueError(f"crane's guard handles Gemini's BeforeTool only, got hook_event_name {event!r}")
    tool = data.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise ValueError("malformed Gemini hook input: missing tool_name")
    args = need_object(data, "tool_input", CLIENT)
    if tool == "run_shell_command":
        command = need_text(args, "command", tool)
        return claude_call(data, "Bash", {"command": command}, cwd=_shell_cwd(data, args))
    if tool == "write_file":
        return claude_call(data, "Write", {"file_path": need_text(args, "file_path", tool),
                                           "content": str(args.get("content", ""))})
    if tool == "replace":
        return claude_call(data, "Edit", {"file_path": need_text(args, "file_path", tool),
                                          "old_string": str(args.get("old_string", "")),
                                          "new_string": str(args.get("new_string", ""))})
    if tool == "save_memory":  # older releases: appends to the user's GEMINI.md
        return claude_call(data, "Write", {"file_path": "GEMINI.md (memory)", "content": str(args.get("fact", ""))})
    if tool == "web_fetch":
        prompt = str(args.get("prompt", args.get("url", "")))
        return claude_call(data, "WebFetch", {"url": prompt, "prompt": prompt})
    if tool.startswith("mcp_") and len(tool) > 4:
        server, _, name = tool[4:].partition("_")
        return claude_call(data, f"mcp__{server}__{name}", args)
    if tool in READ_TOOLS:
        return claude_call(data, READ_TOOLS[tool], args)
    raise unknown_tool(CLIENT, tool)


def _shell_cwd(data: Mapping[str, Any], args: Mapping[str, Any]) -> str | None:
    """Where the command runs: `dir_path` (relative to the project) when given."""
    directory = args.get("dir_path", args.get("directory"))
    cwd = data.get("cwd")
    if not isinstance(directory, str) or not directory.strip():
        return None
    import os.path

    return os.path.join(cwd, directory) if isinstance(cwd, str) and cwd else directory


def render(decision: str, reason: str) -> tuple[int, str, str]:
    return render_without_ask(decision, reason, CLIENT)


def probe_input(command: str, cwd: str) -> dict[str, Any]:
    """A synthetic BeforeTool input as Gemini CLI 0.61.0 sends it, for the launch self-check."""
    return {"session_id": "crane-self-check", "transcript_path": "", "cwd": cwd, "hook_event_name": "BeforeTool",
            "timestamp": "1970-01-01T00:00:00.000Z", "tool_name": "run_shell_command",
            "tool_input": {"command": command, "description": "crane self-check"}}


# ---------------------------------------------------------------------------------------------
# Install route


def user_gemini_dir(env: Mapping[str, str]) -> Path:
    """The user's own Gemini directory (`$GEMINI_CLI_HOME/.gemini`, else `~/.gemini`)."""
    from pathlib import Path

    home = env.get("GEMINI_CLI_HOME") or env.get("HOME") or str(Path.home())
    return Path(home) / ".gemini"


def _read_json(path: Path) -> dict[str, Any]:
    import json

    from crane.errors import CraneError

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise CraneError(f"{path}: cannot read: {exc}") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CraneError(f"{path}: not valid JSON ({exc})",
                         "crane reads this file to build the session's Gemini settings; fix it by hand") from None
    if not isinstance(data, dict):
        raise CraneError(f"{path}: expected a JSON object")
    return data


def hook_entry(command: str, name: str) -> dict[str, Any]:
    return {"matcher": ".*", "sequential": False,
            "hooks": [{"type": "command", "name": name, "command": command, "timeout": HOOK_TIMEOUT_MS}]}


def context_entry(text: str, name: str) -> dict[str, Any]:
    """A SessionStart hook that hands the model `text` (Gemini prepends it to the first prompt).

    The text is fixed at launch, so the command is a `printf` of a constant in crane's read-only
    settings file: nothing it reads can be changed by the agent. Named like the guard's hook, so
    the checks that refuse a layer disabling crane's hook cover it too.
    """
    import json
    import shlex

    answer = json.dumps({"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": text}})
    return {"hooks": [{"type": "command", "name": f"{name}-context", "command": f"printf '%s\\n' {shlex.quote(answer)}",
                       "timeout": CONTEXT_TIMEOUT_MS}]}


def merged_settings(user: Mapping[str, Any], command: str, name: str, source: str, *, context: str | None = None,
                    mcp_server: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The user's settings plus crane's hook, hooks switched on; everything else as the user has it.
    With `context`, a SessionStart hook that gives the model crane's session text; with
    `mcp_server`, crane's MCP server as `mcpServers.crane` (beside the user's own servers)."""
    import json

    from crane.errors import CraneError

    settings: dict[str, Any] = json.loads(json.dumps(user))
    hooks_config = settings.get("hooksConfig", {})
    hooks = settings.get("hooks", {})
    if not isinstance(hooks_config, dict) or not isinstance(hooks, dict):
        raise CraneError(f"{source}: fields 'hooks' and 'hooksConfig' must be objects", "fix the file by hand")
    before = hooks.get("BeforeTool", [])
    if not isinstance(before, list):
        raise CraneError(f"{source}: field 'hooks.BeforeTool' must be an array", "fix the file by hand")
    disabled = hooks_config.get("disabled", [])
    ours = (name, f"{name}-context")
    settings["hooksConfig"] = {**hooks_config, "enabled": True,
                               "disabled": [d for d in disabled if d not in ours] if isinstance(disabled, list) else []}
    settings["hooks"] = {**hooks, "BeforeTool": [*before, hook_entry(command, name)]}
    if context is not None:
        start = hooks.get("SessionStart", [])
        if not isinstance(start, list):
            raise CraneError(f"{source}: field 'hooks.SessionStart' must be an array", "fix the file by hand")
        settings["hooks"]["SessionStart"] = [*start, context_entry(context, name)]
    if mcp_server is not None:
        from crane.mcp_server import SERVER_NAME

        servers = settings.get("mcpServers", {})
        if not isinstance(servers, dict):
            raise CraneError(f"{source}: field 'mcpServers' must be an object", "fix the file by hand")
        settings["mcpServers"] = {**servers, SERVER_NAME: dict(mcp_server)}
    return settings


def disabling_keys(settings: Mapping[str, Any], name: str | None = None) -> list[str]:
    """Keys of a settings layer that would switch crane's hook off (`name`: this run's hook name)."""
    found = []
    hooks_config = settings.get("hooksConfig")
    if isinstance(hooks_config, dict):
        if hooks_config.get("enabled") is False:
            found.append("hooksConfig.enabled = false")
        disabled = hooks_config.get("disabled")
        if isinstance(disabled, list) and any(
                isinstance(d, str) and (d == name or d.startswith(HOOK_NAME_PREFIX)) for d in disabled):
            found.append("hooksConfig.disabled names crane's hook")
    return found


def system_settings_paths(env: Mapping[str, str]) -> list[Path]:
    from pathlib import Path

    override = env.get("GEMINI_CLI_SYSTEM_SETTINGS_PATH")
    return [Path(override)] if override else [Path("/etc/gemini-cli/settings.json")]


def build_home(session_dir: Path, env: Mapping[str, str], command: str, name: str, *, context: str | None = None,
               mcp_server: Mapping[str, Any] | None = None) -> Path:
    """A Gemini home for one session: the user's settings plus crane's hook, the rest linked.

    `<session_dir>/gemini-home/.gemini/` holds settings.json (the user's, read never written,
    plus crane's BeforeTool hook and `hooksConfig.enabled: true`), an empty trustedFolders.json
    (so no project folder counts as trusted: with `--skip-trust` the project's settings are then
    never merged, whatever the user's own trust list says), and a symlink to every other entry of
    the user's Gemini directory (credentials, extensions, history ...), nothing copied.
    """
    import json
    import os

    home = session_dir / "gemini-home"
    gemini_dir = home / ".gemini"
    gemini_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    user_dir = user_gemini_dir(env)
    settings = merged_settings(_read_json(user_dir / "settings.json"), command, name,
                               str(user_dir / "settings.json"), context=context, mcp_server=mcp_server)
    own = {"settings.json", "trustedFolders.json"}
    if user_dir.is_dir():
        for entry in sorted(user_dir.iterdir()):
            if entry.name not in own and not (gemini_dir / entry.name).exists():
                (gemini_dir / entry.name).symlink_to(entry)
    (gemini_dir / "settings.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    (gemini_dir / "trustedFolders.json").write_text("{}\n", encoding="utf-8")
    return home


def refuse_disabling_layers(env: Mapping[str, str], project_dir: Path) -> None:
    """CraneError when the system settings or the project's settings switch hooks off.

    The system layer outranks crane's (a managed policy: refuse). The project layer is never
    merged in crane's session (`--skip-trust` with an empty trust list), but that rests on an
    ordering quirk of the client, not a contract: a project that tries to silence hooks is refused.
    """
    from crane.errors import CraneError

    for path in system_settings_paths(env):
        keys = disabling_keys(_read_json(path)) if path.is_file() else []
        if keys:
            raise CraneError(f"Gemini's system settings {path} switch hooks off ({', '.join(keys)}): crane's "
                             "guard would not run", "ask the machine's administrator, or start loudly with --no-guard")
    project = project_dir / ".gemini" / "settings.json"
    keys = disabling_keys(_read_json(project)) if project.is_file() else []
    if keys:
        raise CraneError(f"the project's Gemini settings {project} switch hooks off ({', '.join(keys)}): crane's "
                         "guard must not be silenced by a project file",
                         "remove the key from that file, or start loudly with --no-guard")


def prepare(argv: list[str], env: Mapping[str, str], say: Say, *, hook_dir: Path,
            context: str | None = None) -> Prepared:
    """Install crane's guard into this gemini run, or refuse (CraneError) saying why; with `context`,
    also crane's session text (a SessionStart hook) and crane's MCP server."""
    import os
    import uuid
    from pathlib import Path

    from crane.agents import Prepared, check_version, guard_self_check, write_hook_wrapper

    refuse_disabling_layers(env, Path(os.getcwd()))
    name = f"{HOOK_NAME_PREFIX}{uuid.uuid4().hex[:12]}"
    wrapper = write_hook_wrapper(hook_dir, AGENT, env)
    mcp_server = None
    if context is not None:
        import sys

        from crane.mcp_server import SERVER_NAME, client_config

        mcp_server = client_config(sys.executable)["mcpServers"][SERVER_NAME]
        mcp_server.pop("type", None)  # Gemini tells stdio from the `command` key
    home = build_home(hook_dir, env, str(wrapper), name, context=context, mcp_server=mcp_server)
    updates: dict[str, str | None] = {
        **loader_pins(env),
        "GEMINI_CLI_HOME": str(home),
        "GEMINI_CLI_TRUSTED_FOLDERS_PATH": str(home / ".gemini" / "trustedFolders.json"),
        "GEMINI_CLI_TRUST_WORKSPACE": None,  # =true would merge the project's settings
    }
    check_version(argv[0], AGENT, SUPPORTED, {**env, "GEMINI_CLI_HOME": str(home)}, say)
    guard_self_check(str(wrapper), env, AGENT)
    rest = argv[1:]
    if "--skip-trust" not in rest:
        rest = ["--skip-trust", *rest]
    settings = home / ".gemini"
    return Prepared([argv[0], *rest], updates, readonly=(str(wrapper), str(settings / "settings.json"),
                                                         str(settings / "trustedFolders.json")),
                    writable=(str(home),))


def loader_pins(env: Mapping[str, str]) -> dict[str, str]:
    """The variables that change how crane's hook wrapper and client load, pinned to the session's
    values (empty when unset).

    Gemini CLI reads the project's `.env` (and, in a trusted folder, `.gemini/.env`) at start and
    fills in, for itself and every process it starts, each variable that is not set yet: a planted
    `LD_PRELOAD` or `BASH_ENV` there would reach the hook. A variable that is set, even to "", is
    left alone, and an empty one changes nothing. (Claude Code gets the same pins through its
    `--settings` `env`.)"""
    from crane.guard.run.install import PINNED_ENV

    pins = {name: env.get(name, "") for name in PINNED_ENV}
    pins["CRANE_GUARD_SELF_CHECK"] = ""
    return pins


def preflight(binary: str, env: Mapping[str, str]) -> tuple[bool, str]:
    """(can crane's guard be installed into this gemini, what to say), without starting a session."""
    import os
    import tempfile
    from pathlib import Path

    from crane.agents import client_version, version_verdict, write_hook_wrapper
    from crane.errors import CraneError
    from crane.guard.run.install import self_check

    with tempfile.TemporaryDirectory(prefix="crane-gemini-preflight-") as tmp:
        session = Path(tmp)
        try:
            refuse_disabling_layers(env, Path(os.getcwd()))
            wrapper = write_hook_wrapper(session, AGENT, env)
            home = build_home(session, env, str(wrapper), f"{HOOK_NAME_PREFIX}preflight")
        except CraneError as exc:
            return False, f"the guard cannot be installed: {exc.message}"
        ok, detail = version_verdict(client_version(binary, {**env, "GEMINI_CLI_HOME": str(home)}), SUPPORTED)
        if not ok:
            return False, detail
        check = self_check(str(wrapper), env, agent=AGENT)
    if not check.ok:
        return False, f"{detail}; guard self-check FAILED: {'; '.join(check.problems)}"
    return True, f"{detail}; guard can be installed (session home with crane's BeforeTool hook, --skip-trust)"
