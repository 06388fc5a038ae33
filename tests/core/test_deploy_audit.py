"""Deploy-target audit: where a bare `wrangler deploy` goes, in preflight and `crane guard check`."""

from __future__ import annotations

import json
from pathlib import Path

from crane.deploy_audit import SAFE, UNKNOWN, UNSAFE, audit_project
from tests.core.helpers import run_crane, write_venture

SAFE_TOML = 'name = "shop-staging"\n[env.production]\nname = "shop"\n'
UNSAFE_TOML = 'name = "shop"\n[env.staging]\nname = "shop-staging"\n'


def test_each_config_of_a_workspace_is_judged(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text(SAFE_TOML)
    (tmp_path / "package.json").write_text(json.dumps({"workspaces": ["packages/*"]}))
    (tmp_path / "pnpm-workspace.yaml").write_text("packages:\n  - 'apps/*'  # the apps\n  - '!apps/ignored'\n")
    for name, text, file in (("packages/api", UNSAFE_TOML, "wrangler.toml"),
                             ("packages/web", json.dumps({"name": "web", "env": {"production": {}}}),
                              "wrangler.jsonc"),
                             ("apps/admin", "{ not json", "wrangler.json"),
                             ("packages/lib", "", None)):
        (tmp_path / name).mkdir(parents=True)
        if file:
            (tmp_path / name / file).write_text(text)
    verdicts = {str(Path(v.config).relative_to(tmp_path)): v for v in audit_project(str(tmp_path))}
    assert {k: v.default for k, v in verdicts.items()} == {
        "wrangler.toml": SAFE,
        "packages/api/wrangler.toml": UNSAFE,
        "packages/web/wrangler.jsonc": SAFE,
        "apps/admin/wrangler.json": UNKNOWN,
    }
    api = verdicts["packages/api/wrangler.toml"]
    assert "PRODUCTION" in api.detail and "staging" in api.detail and api.fix and "[env.production]" in api.fix


def test_profile_production_env_names_are_used(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text('name = "x"\n[env.live]\nname = "x-live"\n')
    assert audit_project(str(tmp_path))[0].default == UNSAFE
    assert audit_project(str(tmp_path), ("live",))[0].default == SAFE


def test_preflight_warns_and_a_profile_can_require_the_safe_default(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    toml = write_venture(profiles, "shop", staging={"K": "v"})
    project = tmp_path / "project"
    project.mkdir()
    (project / "wrangler.toml").write_text(UNSAFE_TOML)
    args = ("preflight", "--venture", "shop", "--env", "staging", "--profiles-dir", str(profiles), "--json")
    result = run_crane(*args, cwd=project)
    check = next(c for c in json.loads(result.out)["checks"] if c["name"] == "deploy default")
    assert (check["ok"], check["informational"]) == (False, True) and "fix:" in check["detail"]
    assert result.rc == 0  # a warning, not a failure

    toml.write_text(toml.read_text() + "[guard]\nrequire_safe_default = true\n")
    result = run_crane(*args, cwd=project)
    assert result.rc == 1
    check = next(c for c in json.loads(result.out)["checks"] if c["name"] == "deploy default")
    assert check["informational"] is False

    (project / "wrangler.toml").write_text(SAFE_TOML)
    assert run_crane(*args, cwd=project).rc == 0


def test_require_safe_default_must_be_a_boolean(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    toml = write_venture(profiles, "shop", staging={"K": "v"})
    toml.write_text(toml.read_text() + '[guard]\nrequire_safe_default = "yes"\n')
    result = run_crane("preflight", "--venture", "shop", "--profiles-dir", str(profiles), cwd=tmp_path)
    assert result.rc != 0 and "guard.require_safe_default" in result.err
