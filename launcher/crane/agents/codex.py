"""Codex CLI: its PreToolUse hook protocol, and the per-run install route for `crane launch codex`.

Hook protocol (0.171.0, observed; ../shared/reference/agent-hooks.md §3.2), pure and stdlib-only:

- Input is Claude-shaped: the model's `exec_command` reaches the hook as `Bash {"command": ...}`;
  `apply_patch` carries the patch text in `tool_input.command`; MCP tools are `mcp__<s>__<t>`.
  Any other tool name is refused (crane cannot tell what it would do).
- Answer: allow = exit 0, no output; deny = exit 2, the reason on stderr, nothing on stdout (exit
  2 with an EMPTY stderr lets the tool run). Codex has no `ask` (the hook counts as failed and the
  call proceeds), so an ask becomes a denial telling the user how to do it by hand.

Install route: `-c` overrides only, the user's CODEX_HOME untouched (see `install_overrides`),
verified with `codex app-server` + `hooks/list` before exec (see `verify`). The session context
goes in as `developer_instructions` (a `-c` override: the first developer message of every
request, outranking a project's config) and crane's MCP server as `mcp_servers.crane`. Everything but the
protocol is imported lazily: the hook loads this module on every tool call.
"""

from __future__ import annotations

from crane.agents._protocol import claude_call, need_object, need_text, render_without_ask, unknown_tool

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import Any

    from crane.agents import Prepared, Say

CLIENT = "Codex"
AGENT = "codex"
# Seconds (Codex's unit). crane's own deadlines (the hook client's 8 s, its 9 s kill backstop,
# the guard's 3 s default) stay well below it: on a client timeout Codex runs the tool.
HOOK_TIMEOUT = 20
SUPPORTED = ((0, 171, 0), (0, 172, 0))  # tested range: [low, high)
SESSION_FLAGS_SOURCE = "/<session-flags>/config.toml"
HOOK_KEY = f"{SESSION_FLAGS_SOURCE}:pre_tool_use:0:0"

SHELL_TOOLS = frozenset({"Bash", "shell", "exec_command", "local_shell", "container.exec", "unified_exec"})
PATCH_TOOLS = frozenset({"apply_patch"})
# Codex's own tools that change nothing outside the conversation, in Claude's vocabulary.
READ_TOOLS = {
    "view_image": "Read",
    "web_search": "WebSearch",
    "update_plan": "TodoWrite",
    "request_user_input": "AskUserQuestion",
    "get_goal": "TodoWrite",
    "create_goal": "TodoWrite",
    "update_goal": "TodoWrite",
    "multi_agent_v1": "Task",
    "list_mcp_resources": "ListMcpResourcesTool",
    "read_mcp_resource": "ReadMcpResourceTool",
}
_PATCH_HEADERS = ("*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: ")


# ---------------------------------------------------------------------------------------------
# Hook protocol


def translate(data: Mapping[str, Any]) -> dict[str, Any]:
    """Codex's PreToolUse input in the guard's (Claude Code's) vocabulary; ValueError if unknown."""
    event = data.get("hook_event_name")
    if event is not None and event != "PreToolUse":
        raise ValueError(f"crane's guard handles Codex's PreToolUse only, got hook_event_name {event!r}")
    tool = data.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise ValueError("malformed Codex hook input: missing tool_name")
    tool_input = need_object(data, "tool_input", CLIENT)
    if tool in SHELL_TOOLS:
        return claude_call(data, "Bash", {"command": _command_text(tool, tool_input)},
                           cwd=_workdir(data, tool_input))
    if tool in PATCH_TOOLS:
        patch = tool_input.get("command", tool_input.get("patch", tool_input.get("input")))
        if not isinstance(patch, str):
            raise ValueError("unexpected apply_patch input: no patch text in 'command'")
        paths = patch_paths(patch)
        # `patch`: the classifier judges every file the patch names (a protected one among
        # several must not hide in the joined summary).
        return claude_call(data, "Write", {"file_path": ", ".join(paths) or "(patch)", "content": patch,
                                           "patch": patch})
    if tool.startswith("mcp__"):
        return claude_call(data, tool, tool_input)
    if tool in READ_TOOLS:
        return claude_call(data, READ_TOOLS[tool], tool_input)
    raise unknown_tool(CLIENT, tool)


def _workdir(data: Mapping[str, Any], tool_input: Mapping[str, Any]) -> str | None:
    """Where the command runs when the call names a directory (`exec_command`'s `workdir`): the
    wrangler config and package.json that decide are there, not in the session's directory."""
    directory = tool_input.get("workdir", tool_input.get("cwd"))
    if not isinstance(directory, str) or not directory.strip():
        return None
    import os.path

    cwd = data.get("cwd")
    return os.path.join(cwd, directory) if isinstance(cwd, str) and cwd else directory


def _command_text(tool: str, tool_input: Mapping[str, Any]) -> str:
    command = tool_input.get("command", tool_input.get("cmd"))
    if isinstance(command, list) and all(isinstance(part, str) for part in command):
        import shlex

        return shlex.join(command)
    return need_text({"command": command}, "command", tool)


def patch_paths(patch: str) -> list[str]:
    """The files an apply_patch text adds, updates, deletes or moves to, in order, once each."""
    paths: list[str] = []
    for line in patch.splitlines():
        line = line.strip()  # Codex's parser trims each line before it looks for a header
        for header in _PATCH_HEADERS:
            if line.startswith(header):
                path = line[len(header):].strip()
                if path and path not in paths:
                    paths.append(path)
    return paths


def render(decision: str, reason: str) -> tuple[int, str, str]:
    return render_without_ask(decision, reason, CLIENT)


def probe_input(command: str, cwd: str) -> dict[str, Any]:
    """A synthetic PreToolUse input as Codex 0.171.0 sends it, for the launch self-check."""
    return {"session_id": "crane-self-check", "turn_id": "crane-self-check", "transcript_path": None,
            "cwd": cwd, "hook_event_name": "PreToolUse", "model": "crane-self-check",
            "permission_mode": "bypassPermissions", "tool_name": "Bash", "tool_input": {"command": command},
            "tool_use_id": "call_crane_self_check"}


# ---------------------------------------------------------------------------------------------
# Install route


def hook_group(command: str) -> dict[str, Any]:
    """crane's PreToolUse group, exactly as the trust hash is computed over it."""
    return {"matcher": "*", "hooks": [{"type": "command", "command": command, "timeout": HOOK_TIMEOUT}]}


def trusted_hash(command: str) -> str:
    """Codex's hook identity hash: sha256 of the compact canonical JSON of the group (§3.2)."""
    import hashlib
    import json

    group = hook_group(command)
    identity = {"event_name": "pre_tool_use", "matcher": group["matcher"],
                "hooks": [{"async": False, **handler} for handler in group["hooks"]]}
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _toml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def install_overrides(command: str) -> list[str]:
    """The `codex` arguments that install crane's hook for one run, CODEX_HOME untouched.

    - `features.hooks=true` beats a user's or project's `hooks = false`;
    - `--disable unified_exec_tty` closes the terminal path: with a TTY exec session the model can
      type commands through `write_stdin`, which never reaches PreToolUse;
    - the hook on every tool (`*`), its command a plain path (Codex runs it through the account's
      login shell, which may not be POSIX);
    - its trust entry, so it runs without the interactive review; `enabled=true` beats a user's
      `enabled = false` for the same key.
    """
    group = hook_group(command)
    handler = group["hooks"][0]
    hook = (f'hooks.PreToolUse=[{{matcher={_toml_string(group["matcher"])}, hooks=[{{type="command", '
            f'command={_toml_string(handler["command"])}, timeout={handler["timeout"]}}}]}}]')
    state = (f"hooks.state={{{_toml_string(HOOK_KEY)}={{trusted_hash={_toml_string(trusted_hash(command))}, "
             "enabled=true}}")
    return ["-c", "features.hooks=true", "--disable", "unified_exec_tty", "-c", hook, "-c", state]


# User arguments that would undo part of the install (later `-c` flags win over ours).
_FORBIDDEN_KEYS = ("hooks", "features.hooks", "features.unified_exec_tty")


def conflicting_args(args: Sequence[str]) -> list[str]:
    """The user's own codex arguments that would switch crane's hook or the TTY counter off."""
    found: list[str] = []
    settings = {index: setting for index, _, setting in _config_values(args)}
    for index, arg in enumerate(args):
        if index in settings:
            key = settings[index].partition("=")[0].strip().strip('"')
            if any(key == k or key.startswith(k + ".") for k in _FORBIDDEN_KEYS):
                found.append(f"-c {key}=...")
        if arg == "--enable" and index + 1 < len(args) and args[index + 1] in ("unified_exec_tty",):
            found.append(f"--enable {args[index + 1]}")
        if arg == "--disable" and index + 1 < len(args) and args[index + 1] == "hooks":
            found.append("--disable hooks")
    return found


# ---------------------------------------------------------------------------------------------
# Session context and crane's MCP server

INSTRUCTIONS_KEY = "developer_instructions"


def _config_values(args: Sequence[str]) -> list[tuple[int, int, str]]:
    """(index of the first word, number of words, `key=value`) of every `-c`/`--config` in `args`."""
    found = []
    for index, arg in enumerate(args):
        if arg in ("-c", "--config") and index + 1 < len(args):
            found.append((index, 2, args[index + 1]))
        elif arg.startswith("--config="):
            found.append((index, 1, arg.partition("=")[2]))
    return found


def _toml_value(text: str) -> str:
    """A `-c` value as Codex reads it: TOML if it parses, else the literal text."""
    import tomllib

    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()
    return value if isinstance(value, str) else text.strip()


def user_instructions(env: Mapping[str, str], args: Sequence[str]) -> tuple[list[str], list[str]]:
    """(the user's own developer instructions, `args` without their `-c developer_instructions`).

    crane's `-c developer_instructions` replaces the key for the session, so the user's own value
    (their config.toml's, from the selected profile if it sets one, and their own `-c`) is carried
    over after crane's text, not lost. A trusted project's `.codex/config.toml` value is not.
    """
    import os
    import tomllib

    texts: list[str] = []
    home = env.get("CODEX_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".codex")
    try:
        with open(os.path.join(home, "config.toml"), "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        data = {}  # Codex itself reports a config file it cannot read
    profile = _profile_arg(args) or data.get("profile")
    profiles = data.get("profiles")
    chosen = profiles.get(profile) if isinstance(profiles, dict) and isinstance(profile, str) else None
    value = chosen.get(INSTRUCTIONS_KEY) if isinstance(chosen, dict) else None
    if not isinstance(value, str):  # a profile's value outranks the top level's
        value = data.get(INSTRUCTIONS_KEY)
    if isinstance(value, str) and value.strip():
        texts.append(value.strip())
    drop: set[int] = set()
    for index, words, setting in _config_values(args):
        key, _, value = setting.partition("=")
        if key.strip().strip('"') == INSTRUCTIONS_KEY:
            texts.append(_toml_value(value))
            drop.update(range(index, index + words))
    return texts, [arg for index, arg in enumerate(args) if index not in drop]


def _profile_arg(args: Sequence[str]) -> str | None:
    for index, arg in enumerate(args):
        if arg in ("-p", "--profile") and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--profile="):
            return arg.partition("=")[2]
    return None


def context_overrides(context: str, user_texts: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """`-c` overrides: crane's session text as the developer instructions (the user's own after it),
    and crane's MCP server for this session with the variables it answers from."""
    import json
    import sys

    from crane.mcp_server import SERVER_NAME, client_config

    text = "\n\n".join([context, *[t for t in user_texts if t]])
    server = client_config(sys.executable)["mcpServers"][SERVER_NAME]
    # Codex starts MCP servers with a minimal environment: pass crane's variables and the injected
    # secrets (the server redacts with them) by NAME; their values never reach an argument.
    # `required`: Codex waits for the server before the first turn (an optional one that is slower
    # than Codex's start-up grace is left out of it), and a crane server that cannot start stops
    # the session instead of leaving the model without it.
    names = sorted({k for k in env if k.startswith("CRANE_")} |
                   {n for n in env.get("CRANE_INJECTED", "").split(",") if n and n in env})
    mcp = (f"mcp_servers.{SERVER_NAME}={{command={_toml_string(server['command'])}, "
           f"args={json.dumps(server['args'], ensure_ascii=False)}, env_vars={json.dumps(names)}, required=true}}")
    return ["-c", f"{INSTRUCTIONS_KEY}={_toml_string(text)}", "-c", mcp]


def verify(codex: str, overrides: Sequence[str], env: Mapping[str, str], cwd: str, *,
           timeout: float = 30.0) -> list[str]:
    """Problems with crane's hook as this codex will run it; [] when present, enabled and trusted.

    Asks the client itself: `codex app-server` under the same overrides, `initialize`, then
    `hooks/list` for the project directory. With the hooks feature off (a managed requirement,
    for instance) the listing is empty, so that is caught too.
    """
    import json
    import subprocess

    requests = [
        {"id": 1, "method": "initialize",
         "params": {"clientInfo": {"name": "crane", "title": "crane launch", "version": "1"}}},
        {"method": "initialized"},
        {"id": 2, "method": "hooks/list", "params": {"cwds": [cwd]}},
    ]
    try:
        proc = subprocess.Popen([codex, *overrides, "app-server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=dict(env), cwd=cwd)
    except OSError as exc:
        return [f"cannot start `codex app-server` to check the hook: {exc.strerror or exc}"]
    answer: dict[str, Any] | None = None
    problem: str | None = None
    try:
        import os
        import selectors
        import time

        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("".join(json.dumps(r) + "\n" for r in requests).encode())
        proc.stdin.flush()
        deadline = time.monotonic() + timeout
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        pending = b""  # raw reads: a buffered reader could hold a complete answer the selector never sees
        while answer is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                problem = f"`codex app-server` did not list its hooks within {timeout:g} s"
                break
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                problem = "`codex app-server` exited before listing its hooks"
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if isinstance(message, dict) and message.get("id") == 2:
                    answer = message
    finally:
        proc.kill()
        _, raw_err = proc.communicate()
    err = raw_err.decode("utf-8", "replace")
    if problem is not None:
        tail = " ".join(err.strip().splitlines()[-3:])[:400]
        return [problem + (f": {tail}" if tail else "")]
    assert answer is not None
    return hook_problems(answer, cwd)


def hook_problems(answer: Mapping[str, Any], cwd: str) -> list[str]:
    """Judge a `hooks/list` reply: crane's hook must be listed, enabled and trusted."""
    if "error" in answer:
        error = answer["error"]
        detail = error.get("message") if isinstance(error, dict) else error
        return [f"`hooks/list` failed: {detail}"]
    result = answer.get("result")
    data = result.get("data") if isinstance(result, dict) else None
    if not isinstance(data, list):
        return ["`hooks/list` returned no data (unexpected answer shape)"]
    hooks = [h for entry in data if isinstance(entry, dict) for h in entry.get("hooks") or []
             if isinstance(h, dict)]
    ours = [h for h in hooks if h.get("key") == HOOK_KEY]
    if not ours:
        return ["crane's hook is not in Codex's hook list (the hooks feature may be off, or a managed "
                "policy allows managed hooks only)"]
    problems = []
    for hook in ours:
        if hook.get("enabled") is not True:
            problems.append("crane's hook is listed but not enabled")
        if hook.get("trustStatus") != "trusted":
            problems.append(f"crane's hook is not trusted (trustStatus {hook.get('trustStatus')!r})")
    return problems


def prepare(argv: list[str], env: Mapping[str, str], say: Say, *, hook_dir: Path,
            context: str | None = None) -> Prepared:
    """Install crane's guard into this codex run, or refuse (CraneError) saying why; with `context`,
    also crane's session text (developer instructions) and crane's MCP server."""
    import os

    from crane.agents import Prepared, check_version, guard_self_check, write_hook_wrapper
    from crane.errors import CraneError

    check_version(argv[0], AGENT, SUPPORTED, env, say)
    conflicts = conflicting_args(argv[1:])
    if conflicts:
        raise CraneError(f"crane guard cannot be installed into codex: your arguments {', '.join(conflicts)} "
                         "would switch it off", "drop them, or start without the guard, loudly, with --no-guard")
    wrapper = write_hook_wrapper(hook_dir, AGENT, env)
    guard_self_check(str(wrapper), env, AGENT)
    overrides = install_overrides(str(wrapper))
    problems = verify(argv[0], overrides, env, os.getcwd())
    if problems:
        raise CraneError("codex will not run crane's guard hook: " + "; ".join(problems),
                         "check `codex features list` and any managed requirements.toml; crane refuses to start "
                         "an unguarded codex (or start it loudly with --no-guard)")
    rest = argv[1:]
    if context is not None:
        user_texts, rest = user_instructions(env, rest)
        overrides = [*overrides, *context_overrides(context, user_texts, env)]
    return Prepared([argv[0], *overrides, *rest], {}, readonly=(str(wrapper),))


def preflight(binary: str, env: Mapping[str, str]) -> tuple[bool, str]:
    """(can crane's guard be installed into this codex, what to say), without starting a session."""
    import os
    import tempfile
    from pathlib import Path

    from crane.agents import client_version, version_verdict, write_hook_wrapper
    from crane.guard.run.install import self_check

    ok, detail = version_verdict(client_version(binary, env), SUPPORTED)
    if not ok:
        return False, detail
    with tempfile.TemporaryDirectory(prefix="crane-codex-preflight-") as tmp:
        wrapper = write_hook_wrapper(Path(tmp), AGENT, env)
        check = self_check(str(wrapper), env, agent=AGENT)
        if not check.ok:
            return False, f"{detail}; guard self-check FAILED: {'; '.join(check.problems)}"
        problems = verify(binary, install_overrides(str(wrapper)), env, os.getcwd())
    if problems:
        return False, f"{detail}; the guard cannot be installed: {'; '.join(problems)}"
    return True, f"{detail}; guard can be installed (hook listed, enabled and trusted by `codex app-server`)"
