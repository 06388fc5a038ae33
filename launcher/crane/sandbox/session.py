"""The sandbox in a launch: decide (flag, profile, machine), warn loudly, and describe it.

`crane launch` calls `prepare`; preflight calls `decide` and `describe`. A sandbox that was asked
for and cannot run is an error (exit 1); one that is merely unavailable is a loud warning.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crane.errors import CraneError
from crane.sandbox.probe import Availability, availability
from crane.sandbox.settings import SandboxSettings

if TYPE_CHECKING:
    from crane.profiles import Profile
    from crane.sandbox.gather import Layout
    from crane.sandbox.process import SandboxedProcess

Say = Callable[[str], None]
Starter = Callable[[Sequence[str], Mapping[str, str], "Callable[[], None] | None"], "SandboxedProcess"]

UNPROTECTED = ("the agent can read crane's state, cache and configuration (run state, audit log, offline "
               "copies), the keyring, every dotenv file and cloud credential store of this user, write the "
               "profile and crane's code, and see and signal every process of this user: against a misled "
               "agent the guard is advisory")


@dataclass(frozen=True)
class Decision:
    use: bool
    mode: str  # "auto" | "required" | "off"
    source: str  # "--sandbox", "--no-sandbox", "profile", "default"
    availability: Availability | None  # None when not probed (off)

    @property
    def warning(self) -> str | None:
        if self.use:
            return None
        if self.mode == "off":
            return f"WARNING: crane sandbox DISABLED ({self.source}): {UNPROTECTED}"
        reason = self.availability.reason if self.availability else "not available"
        return f"WARNING: crane sandbox NOT AVAILABLE ({reason}): {UNPROTECTED}"


def decide(flag: bool | None, settings: SandboxSettings | None, environ: Mapping[str, str],
           where: str = "the profile") -> Decision:
    """Raises CraneError (exit 1) when the sandbox is required and cannot run."""
    if flag is False:
        return Decision(False, "off", "--no-sandbox", None)
    mode, source = (settings.mode, "profile") if settings is not None else ("auto", "default")
    if flag is True:
        mode, source = "required", "--sandbox"
    if mode == "off":
        return Decision(False, "off", f"[sandbox] mode = \"off\" in {where}", None)
    found = availability(environ)
    if not found.ok and mode == "required":
        asked = "--sandbox" if source == "--sandbox" else f"[sandbox] mode = \"required\" in {where}"
        raise CraneError(f"crane sandbox required ({asked}) but not available: {found.reason}",
                         "install bubblewrap (bash scripts/install-system-deps.sh), or launch without it, "
                         "loudly, with --no-sandbox")
    return Decision(found.ok, mode, source, found)


def layout_for(decision: Decision, profile: Profile, environ: Mapping[str, str], *, agent_path: str = "",
               visible: Sequence[str] = (), session_writable: Sequence[str] = (), cwd: str | None = None,
               create: bool = True) -> Layout:
    from crane.sandbox.gather import gather

    assert decision.availability is not None and decision.availability.bwrap is not None
    from crane.guard.run.client import DROP_DIR_VAR, SOCKET_VAR

    socket = environ.get(SOCKET_VAR, "")
    return gather(environ=environ, project=cwd or os.getcwd(), bwrap=decision.availability.bwrap,
                  profile=profile, settings=profile.sandbox, agent=os.path.basename(agent_path),
                  agent_path=agent_path or None, visible=visible, session_writable=session_writable,
                  guard_socket_dir=os.path.dirname(socket) if os.path.isabs(socket) else None,
                  guard_drop_dir=environ.get(DROP_DIR_VAR) or None, create=create)


def prepare(flag: bool | None, profile: Profile, env: Mapping[str, str], argv: Sequence[str], say: Say, *,
            readonly: Sequence[str] = (), writable: Sequence[str] = ()) -> Starter | None:
    """For `crane launch`: a function that starts argv in the sandbox (a crane.launch.Start), or
    None (loudly warned) without one."""
    decision = decide(flag, profile.sandbox, env, profile.path)
    if not decision.use:
        say(decision.warning or "WARNING: crane sandbox off")
        return None
    from crane.sandbox import process

    layout = layout_for(decision, profile, env, agent_path=argv[0], visible=[*session_files(argv), *readonly],
                        session_writable=writable)
    for note in layout.notes:
        say(f"WARNING: crane sandbox: {note}")

    def start(command: Sequence[str], child_env: Mapping[str, str],
              preexec_fn: Callable[[], None] | None = None) -> SandboxedProcess:
        return process.start(layout.plan, command, child_env, preexec_fn)

    return start


def session_files(argv: Sequence[str]) -> list[str]:
    """Files crane made for this session and handed to the agent on its command line (Claude Code's
    `--settings <file>`, written under crane's hidden state dir): visible, read-only."""
    return [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--settings" and os.path.isfile(argv[i + 1])]


def describe(decision: Decision, layout: Layout | None) -> dict[str, object]:
    """What preflight shows (text and JSON): state, and what is hidden, usable and exposed."""
    out: dict[str, object] = {"active": decision.use, "mode": decision.mode, "source": decision.source,
                              "backend": "bubblewrap" if decision.use else None,
                              "reason": None if decision.use else (decision.warning or "")}
    if layout is not None:
        out.update({
            "hidden": [{"path": s.path, "what": s.why} for s in layout.plan.hidden if s.kind != "missing"],
            "absent": [{"path": s.path, "what": s.why} for s in layout.hidden_missing],
            "usable": [{"path": s.path, "what": s.why} for s in layout.usable],
            "exposed": list(layout.exposed),
            "read_only": [s.path for s in (*layout.plan.readonly, *layout.plan.visible) if s.kind != "missing"],
            "writable": [layout.plan.project, *(s.path for s in layout.plan.writable if s.kind != "missing")],
            "notes": list(layout.notes),
        })
    return out
