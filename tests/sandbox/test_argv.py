"""The bubblewrap argv for many plans: what ends up on top at each path that matters.

`effect(argv, path)` replays the mount options in order and returns the last one covering the
path: that is what the agent meets there. Each plan in the table states what must hold.
"""

from __future__ import annotations

import pytest

from crane.sandbox.argv import build_argv
from crane.sandbox.plan import SandboxPlan, Spot

MOUNT_OPS = {"--ro-bind": 2, "--bind": 2, "--dev": 1, "--proc": 1, "--tmpfs": 1, "--remount-ro": 1}
OTHER_ARITY = {"--setenv": 2, "--cap-drop": 1, "--chdir": 1, "--info-fd": 1}
HOME = "/home/u"
CMD = ["/usr/bin/claude", "--model", "x"]


def mounts(argv: list[str]) -> list[tuple[str, str, str]]:
    """(option, source, destination) in order, from bwrap's options only."""
    start = argv.index("--ro-bind")
    end = argv.index("--", start)
    out, i = [], start
    while i < end:
        op = argv[i]
        if op in MOUNT_OPS:
            n = MOUNT_OPS[op]
            args = argv[i + 1:i + 1 + n]
            out.append((op, args[0] if n == 2 else "", args[-1]))
            i += 1 + n
        else:
            i += 1 + OTHER_ARITY.get(op, 0)
    return out


def covers(dest: str, path: str) -> bool:
    return dest == "/" or path == dest or path.startswith(dest + "/")


def effect(argv: list[str], path: str) -> str:
    """'rw', 'ro', 'hidden' (empty read-only dir or /dev/null), 'scratch' (empty private dir)."""
    state = "none"
    for op, src, dest in mounts(argv):
        if not covers(dest, path):
            continue
        if op == "--bind":
            state = "rw"
        elif op == "--ro-bind":
            state = "hidden" if src == "/dev/null" else "ro"
        elif op == "--tmpfs":
            state = "scratch"
        elif op == "--remount-ro" and state == "scratch" and dest != "/":
            state = "hidden"
    return state


def plan(**kw: object) -> SandboxPlan:
    base: dict[str, object] = {"bwrap": "/usr/bin/bwrap", "home": HOME, "project": f"{HOME}/src/app"}
    base.update(kw)
    return SandboxPlan(**base)  # type: ignore[arg-type]


CODE = Spot("/opt/crane/venv", "dir")
STATE = Spot(f"{HOME}/.local/state/crane", "dir", scratch=True)
CACHE = Spot(f"{HOME}/.cache/crane", "dir", scratch=True)
CONFIG = Spot(f"{HOME}/.config/crane", "dir")
AWS = Spot(f"{HOME}/.aws", "dir")
NETRC = Spot(f"{HOME}/.netrc", "file")
DOCKER = Spot(f"{HOME}/.docker/config.json", "file")

# (name, plan, {path: expected effect})
CASES = [
    ("plain", plan(hidden=(STATE, CACHE, CONFIG, AWS, NETRC, DOCKER), readonly=(CODE,),
                   writable=(Spot(f"{HOME}/.claude", "dir"), Spot(f"{HOME}/.cache", "dir"))),
     {f"{HOME}/src/app": "rw", f"{HOME}/src/app/x.py": "rw", f"{HOME}/.bashrc": "ro", "/etc/passwd": "ro",
      f"{HOME}/.claude/settings.json": "rw", f"{HOME}/.cache/pip": "rw", f"{HOME}/.cache/crane/toml": "scratch",
      f"{HOME}/.local/state/crane/state.db": "scratch", f"{HOME}/.config/crane/profiles": "hidden",
      f"{HOME}/.aws/credentials": "hidden", f"{HOME}/.netrc": "hidden", f"{HOME}/.docker/config.json": "hidden",
      f"{HOME}/.docker/other": "ro", "/opt/crane/venv/bin/python": "ro", "/tmp/x": "scratch"}),
    ("profile and dotenv files inside the project",
     plan(hidden=(Spot(f"{HOME}/src/app/profiles/a.prod.env", "file"),
                  Spot(f"{HOME}/src/app/profiles/a.dev.env", "file")),
          visible=(Spot(f"{HOME}/src/app/profiles/a.toml", "file"),)),
     {f"{HOME}/src/app/profiles/a.prod.env": "hidden", f"{HOME}/src/app/profiles/a.dev.env": "hidden",
      f"{HOME}/src/app/profiles/a.toml": "ro", f"{HOME}/src/app/profiles/notes.md": "rw"}),
    ("profile inside crane's hidden config dir",
     plan(hidden=(CONFIG,), visible=(Spot(f"{HOME}/.config/crane/profiles/a.toml", "file"),)),
     {f"{HOME}/.config/crane/profiles/a.toml": "ro", f"{HOME}/.config/crane/profiles/a.prod.env": "hidden"}),
    ("project under /tmp", plan(project="/tmp/work/app", hidden=(Spot("/tmp/work/app/prod.env", "file"),),
                                readonly=(Spot("/tmp/work/app/.git/hooks", "dir"),)),
     {"/tmp/work/app/main.py": "rw", "/tmp/work/app/prod.env": "hidden", "/tmp/work/app/.git/hooks/pre-commit": "ro",
      "/tmp/work/other": "scratch", "/tmp/work/app/.git/config": "rw"}),
    ("home and project under /tmp", plan(home="/tmp/h", project="/tmp/h/app", hidden=(Spot("/tmp/h/.aws", "dir"),),
                                         writable=(Spot("/tmp/h/.claude", "dir"),)),
     {"/tmp/h/.bashrc": "ro", "/tmp/h/app/x": "rw", "/tmp/h/.aws/config": "hidden", "/tmp/h/.claude/x": "rw",
      "/tmp/elsewhere": "scratch"}),
    ("a HOME under /tmp that does not exist", plan(home="/tmp/nohome", home_kind="missing", project="/tmp/w"),
     {"/tmp/nohome/.bashrc": "scratch", "/tmp/w/x": "rw"}),
    ("crane's code inside the project (developing crane itself)",
     plan(readonly=(Spot(f"{HOME}/src/app/.venv", "dir"), Spot(f"{HOME}/src/app/launcher", "dir"),
                    Spot(f"{HOME}/src/app/.git/hooks", "dir"))),
     {f"{HOME}/src/app/.venv/lib/crane/x.py": "ro", f"{HOME}/src/app/launcher/crane/__init__.py": "ro",
      f"{HOME}/src/app/.git/hooks/pre-commit": "ro", f"{HOME}/src/app/README.md": "rw"}),
    ("guard socket dir inside hidden state, ssh socket under /tmp and in a hidden runtime dir",
     plan(hidden=(Spot(f"{HOME}/.local/state/crane", "dir"), Spot("/run/user/1000/keyring", "dir")),
          visible=(Spot(f"{HOME}/.local/state/crane/guard/s1", "dir"),),
          passthrough=(Spot("/tmp/ssh-X/agent.1", "file"), Spot("/run/user/1000/keyring/ssh", "file"))),
     {f"{HOME}/.local/state/crane/guard/s1/sock": "ro", f"{HOME}/.local/state/crane/state.db": "hidden",
      "/tmp/ssh-X/agent.1": "rw", "/run/user/1000/keyring/ssh": "rw", "/run/user/1000/keyring/control": "hidden"}),
    ("an agent session home inside hidden state, with read-only settings in it",
     plan(hidden=(Spot(f"{HOME}/.local/state/crane", "dir"),),
          passthrough=(Spot(f"{HOME}/.local/state/crane/sessions/r1/gemini-home", "dir"),),
          visible=(Spot(f"{HOME}/.local/state/crane/sessions/r1/gemini-home/.gemini/settings.json", "file"),
                   Spot(f"{HOME}/.local/state/crane/sessions/r1/hook.sh", "file"))),
     {f"{HOME}/.local/state/crane/sessions/r1/gemini-home/tmp/x": "rw",
      f"{HOME}/.local/state/crane/sessions/r1/gemini-home/.gemini/settings.json": "ro",
      f"{HOME}/.local/state/crane/sessions/r1/hook.sh": "ro", f"{HOME}/.local/state/crane/state.db": "hidden"}),
    ("hidden paths under private /tmp that nothing brings back are left out",
     plan(hidden=(Spot("/tmp/x.env", "file"),)),
     {"/tmp/x.env": "scratch"}),
    ("missing paths are skipped", plan(hidden=(Spot(f"{HOME}/.aws", "missing"),),
                                       writable=(Spot(f"{HOME}/.codex", "missing"),),
                                       readonly=(Spot("/opt/none", "missing"),)),
     {f"{HOME}/.aws": "ro", f"{HOME}/.codex": "ro"}),
    ("hides given child-first still land parent-first",
     plan(writable=(Spot(f"{HOME}/.cache/x", "dir"), Spot(f"{HOME}/.cache", "dir")),
          hidden=(Spot(f"{HOME}/.config/gcloud/legacy", "dir"), Spot(f"{HOME}/.config/gcloud", "dir", scratch=True))),
     {f"{HOME}/.cache/x/y": "rw", f"{HOME}/.config/gcloud/legacy/k": "hidden", f"{HOME}/.config/gcloud/k": "scratch"}),
]


@pytest.mark.parametrize(("name", "the_plan", "expected"), CASES, ids=[c[0] for c in CASES])
def test_what_the_agent_meets(name: str, the_plan: SandboxPlan, expected: dict[str, str]) -> None:
    argv = build_argv(the_plan, CMD)
    got = {path: effect(argv, path) for path in expected}
    assert got == expected


@pytest.mark.parametrize(("name", "the_plan", "expected"), CASES, ids=[c[0] for c in CASES])
def test_invariants(name: str, the_plan: SandboxPlan, expected: dict[str, str]) -> None:
    argv = build_argv(the_plan, CMD)
    ops = mounts(argv)
    assert ops[0] == ("--ro-bind", "/", "/")  # the host read-only underneath everything
    assert ("--bind", "/", "/") not in ops
    assert ("--dev", "", "/dev") in ops and ("--proc", "", "/proc") in ops
    for flag in ("--unshare-pid", "--die-with-parent"):
        assert flag in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    assert "--new-session" not in argv  # the terminal stays the agent's
    assert argv[argv.index("--chdir") + 1] == the_plan.project
    assert argv[-len(CMD):] == CMD
    for spot in the_plan.hidden:
        if spot.kind != "missing" and not spot.path.startswith("/tmp/"):
            assert effect(argv, spot.path) in ("hidden", "scratch"), spot
    for spot in (*the_plan.readonly, *the_plan.visible):
        if spot.kind != "missing":
            assert effect(argv, spot.path) == "ro", spot
    assert effect(argv, the_plan.project) == "rw"


def test_terminal_signals_are_ignored_by_bwrap_and_restored_for_the_agent() -> None:
    argv = build_argv(plan(), CMD)
    assert argv[:2] == ["/usr/bin/env", "--ignore-signal=INT,QUIT"]
    assert argv[2] == "/usr/bin/bwrap"
    sep = argv.index("--", argv.index("--chdir"))
    assert argv[sep + 1:sep + 4] == ["/usr/bin/env", "--default-signal=INT,QUIT", "--"]


def test_without_terminal_signals_bwrap_runs_bare() -> None:
    argv = build_argv(plan(terminal_signals=()), CMD)
    assert argv[0] == "/usr/bin/bwrap"
    assert argv[argv.index("--", argv.index("--chdir")) + 1:] == CMD


def test_info_and_seccomp_fds_are_passed() -> None:
    argv = build_argv(plan(info_fd=7, seccomp_fd=8), CMD)
    assert argv[argv.index("--info-fd") + 1] == "7" and argv[argv.index("--seccomp") + 1] == "8"
    bare = build_argv(plan(), CMD)
    assert "--info-fd" not in bare and "--seccomp" not in bare


def test_file_and_dir_hides() -> None:
    argv = build_argv(plan(hidden=(AWS, NETRC, CACHE)), CMD)
    assert argv.count("--remount-ro") == 1 and argv[argv.index("--remount-ro") + 1] == AWS.path
    i = argv.index(AWS.path)
    assert argv[i - 1:i + 1] == ["--tmpfs", AWS.path]
    j = argv.index(NETRC.path)
    assert argv[j - 2:j + 1] == ["--ro-bind", "/dev/null", NETRC.path]


@pytest.mark.parametrize(("name", "the_plan", "expected"), CASES, ids=[c[0] for c in CASES])
def test_mount_points_are_made_before_a_hidden_dir_turns_read_only(
        name: str, the_plan: SandboxPlan, expected: dict[str, str]) -> None:
    """bubblewrap creates a bind's mount point itself: inside a read-only tmpfs it cannot."""
    ops = mounts(build_argv(the_plan, CMD))
    for i, (op, _, dest) in enumerate(ops):
        if op == "--remount-ro" and dest != "/":
            later = [d for o, _, d in ops[i + 1:] if o in ("--bind", "--ro-bind") and covers(dest, d) and d != dest]
            assert later == [], (dest, later)


def test_empty_command_is_refused() -> None:
    with pytest.raises(ValueError, match="no command"):
        build_argv(plan(), [])
