"""A plan for a real (temporary) machine: symlinked home, profiles in the project, hide/expose."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crane.errors import CraneError, ProfileError
from crane.profiles import load_profile
from crane.sandbox.gather import gather
from crane.sandbox.probe import availability
from crane.sandbox.session import decide
from crane.sandbox.settings import SandboxSettings
from tests.sandbox.helpers import write_venture


def _hidden(layout: object) -> dict[str, str]:
    return {s.path: s.why for s in layout.plan.hidden if s.kind != "missing"}  # type: ignore[attr-defined]


def _home(tmp_path: Path) -> Path:
    home = Path(os.environ["HOME"])
    for rel in (".aws/credentials", ".netrc", ".docker/config.json", ".config/gcloud/x", ".wrangler/config/a",
                ".config/.wrangler/b", ".azure/c", ".config/gh/hosts.yml", ".git-credentials", ".claude/s.json",
                ".local/share/python_keyring/crane_pass.cfg"):
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        (home / rel).write_text("x", encoding="utf-8")
    return home


def test_profile_and_dotenv_inside_the_project(tmp_path: Path) -> None:
    home = _home(tmp_path)
    project = tmp_path / "proj"
    profile = load_profile(write_venture(project / "profiles"))
    layout = gather(environ=os.environ, project=str(project), bwrap="/usr/bin/bwrap", profile=profile)
    hidden = _hidden(layout)
    real = os.path.realpath
    assert real(project / "profiles/alpha.prod.env") in hidden
    assert real(project / "profiles/alpha.staging.env") in hidden  # the session's own too (it is in the env)
    assert {s.path for s in layout.plan.visible} == {real(project / "profiles/alpha.toml")}
    for rel in (".aws", ".netrc", ".docker/config.json", ".config/gcloud", ".wrangler", ".config/.wrangler",
                ".azure", ".local/share/python_keyring"):
        assert real(home / rel) in hidden, rel
    for own in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        assert real(Path(os.environ[own]) / "crane") in hidden, own
    usable = {s.path for s in layout.usable}
    assert real(home / ".config/gh") in usable and real(home / ".git-credentials") in usable
    assert real(home / ".claude") in {s.path for s in layout.plan.writable}
    assert layout.plan.project == real(project)


def test_symlinked_home_is_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _home(tmp_path)
    link = tmp_path / "home-link"
    link.symlink_to(os.environ["HOME"])
    monkeypatch.setenv("HOME", str(link))
    layout = gather(environ=os.environ, project=str(tmp_path), bwrap="bwrap", create=False)
    assert layout.plan.home == os.path.realpath(link)
    assert os.path.realpath(link / ".aws") in _hidden(layout)
    assert not any(p.startswith(str(link) + "/") for p in _hidden(layout))


def test_hide_and_expose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(tmp_path)
    sock = tmp_path / "agent.sock"
    sock.write_text("", encoding="utf-8")
    monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
    base = gather(environ=os.environ, project=str(tmp_path), bwrap="bwrap", create=False)
    assert str(sock) in {s.path for s in base.plan.passthrough}
    layout = gather(environ=os.environ, project=str(tmp_path), bwrap="bwrap", create=False,
                    settings=SandboxSettings(hide=("~/.config/gh", "$SSH_AUTH_SOCK"), expose=("~/.aws",)))
    hidden = _hidden(layout)
    assert os.path.realpath(home / ".config/gh") in hidden and str(sock) in hidden
    assert os.path.realpath(home / ".aws") not in hidden and layout.exposed == ("~/.aws",)
    assert not layout.plan.passthrough


@pytest.mark.parametrize(("entry", "words"), [
    ("~/.local/share/python_keyring", "cannot be exposed"),
    ("~/.bashrc", "not hidden by default"),
])
def test_expose_refuses_what_is_not_adjustable(tmp_path: Path, entry: str, words: str) -> None:
    _home(tmp_path)
    with pytest.raises(ProfileError, match=words):
        gather(environ=os.environ, project=str(tmp_path), bwrap="bwrap", create=False,
               settings=SandboxSettings(expose=(entry,)))


def test_crane_dirs_are_created_before_launch(tmp_path: Path) -> None:
    state = Path(os.environ["XDG_STATE_HOME"]) / "crane"
    assert not state.exists()
    gather(environ=os.environ, project=str(tmp_path), bwrap="bwrap")
    assert state.is_dir()  # else the agent could make it, unhidden, under a writable parent


def test_git_worktree_dirs(tmp_path: Path) -> None:
    main_git = tmp_path / "main" / ".git"
    (main_git / "worktrees" / "wt").mkdir(parents=True)
    (main_git / "worktrees" / "wt" / "commondir").write_text("../..\n", encoding="utf-8")
    project = tmp_path / "wt"
    project.mkdir()
    (project / ".git").write_text(f"gitdir: {main_git}/worktrees/wt\n", encoding="utf-8")
    layout = gather(environ=os.environ, project=str(project), bwrap="bwrap")
    writable = {s.path for s in layout.plan.writable}
    assert os.path.realpath(main_git) in writable  # commits write objects and refs there
    assert os.path.realpath(main_git / "hooks") in {s.path for s in layout.plan.readonly}


def test_decide_modes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CRANE_BWRAP", str(tmp_path / "no-bwrap"))
    assert availability().ok is False
    auto = decide(None, None, os.environ)
    assert not auto.use and auto.warning and "NOT AVAILABLE" in auto.warning and "bubblewrap" in auto.warning
    off = decide(False, SandboxSettings(mode="required"), os.environ)
    assert not off.use and off.warning and "DISABLED (--no-sandbox)" in off.warning
    with pytest.raises(CraneError) as err:
        decide(None, SandboxSettings(mode="required"), os.environ, "/p/alpha.toml")
    assert err.value.exit_code == 1 and 'mode = "required" in /p/alpha.toml' in err.value.message
    with pytest.raises(CraneError, match="--sandbox"):
        decide(True, None, os.environ)
    assert decide(None, SandboxSettings(mode="off"), os.environ, "/p/a.toml").warning is not None


def test_session_files_from_the_agents_command_line(tmp_path: Path) -> None:
    from crane.sandbox.session import session_files

    settings = tmp_path / "claude-settings.json"
    settings.write_text("{}", encoding="utf-8")
    assert session_files(["/bin/claude", "--settings", str(settings), "-p", "x"]) == [str(settings)]
    assert session_files(["/bin/claude", "--settings", "{\"inline\": 1}"]) == []  # inline JSON: nothing to bind
    assert session_files(["/bin/claude", "--settings"]) == []


def test_a_project_that_holds_the_home_directory_is_noted(tmp_path: Path) -> None:
    home = os.environ["HOME"]
    for project in (home, "/"):
        layout = gather(environ=os.environ, project=project, bwrap="bwrap", create=False)
        assert any("all of it is writable" in n for n in layout.notes), project
    inside = gather(environ=os.environ, project=str(tmp_path), bwrap="bwrap", create=False)
    assert not any("all of it is writable" in n for n in inside.notes)


def test_the_agents_program_is_visible_from_under_tmp_but_never_makes_the_project_read_only(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    inside = gather(environ=os.environ, project=str(project), bwrap="bwrap", create=False,
                    agent_path=str(project / "agent.sh"))
    assert not any(s.path.startswith(str(project)) for s in inside.plan.readonly if "program" in s.why)
    elsewhere = gather(environ=os.environ, project=str(project), bwrap="bwrap", create=False,
                       agent_path=str(tmp_path / "bin" / "claude"))
    assert os.path.realpath(tmp_path / "bin") in {s.path for s in elsewhere.plan.readonly}
