"""Projects on disk for the classifier tests: wrangler configs, package.json scripts, a Makefile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crane.guard.rules.config import GuardConfig

CONFIG = GuardConfig(
    production_urls=("https://api.example.com",),
    staging_urls=("https://staging.example.com",),
)

SCRIPTS = {
    "build": "tsc -p .",
    "test": "vitest run",
    "lint": "eslint .",
    "deploy": "wrangler deploy",
    "predeploy": "npm run build",
    "deploy:staging": "wrangler deploy --env staging",
    "deploy:prod": "npx wrangler deploy --env production",
    "release": "npm run build && npm run deploy",
    "db:migrate": "wrangler d1 migrations apply DB --remote",
    "db:local": "wrangler d1 migrations apply DB --local",
    "seed": "wrangler d1 execute DB --file seed.sql",
    "loop": "npm run loop",
}

MAKEFILE = """\
WRANGLER := npx wrangler
ENV ?= production

.PHONY: build deploy check
build:
\t@echo building
check:
\tnpm test
deploy: build
\t$(WRANGLER) deploy --env $(ENV)
"""


def make_projects(root: Path) -> dict[str, Path]:
    """Directories named by what their wrangler config makes of the top level."""
    dirs = {name: root / name for name in ("bare", "prod", "staged", "jsonc", "mono", "broken")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    # No environments: the top level *is* production.
    (dirs["prod"] / "wrangler.toml").write_text('name = "app"\n[env.staging]\nname = "app-staging"\n')
    (dirs["prod"] / "package.json").write_text(json.dumps({"name": "app", "scripts": SCRIPTS}))
    (dirs["prod"] / "Makefile").write_text(MAKEFILE)
    (dirs["prod"] / "deploy.sh").write_text("#!/bin/sh\nset -e\nnpx wrangler deploy --env production\n")
    (dirs["prod"] / ".env.production").write_text("CLOUDFLARE_ENV=production\n")
    # A production environment is defined: the top level is the staging default.
    (dirs["staged"] / "wrangler.toml").write_text(
        'name = "app-dev"\n\n[env.production]\nname = "app"\n\n[env.staging]\nname = "app-staging"\n'
    )
    (dirs["staged"] / "package.json").write_text(json.dumps({"name": "app", "scripts": SCRIPTS}))
    (dirs["staged"] / ".env.production").write_text("# deploy settings\nexport CLOUDFLARE_ENV='production'\n")
    (dirs["jsonc"] / "wrangler.jsonc").write_text(
        '{\n  // the worker\n  "name": "app-dev", /* "env": {} */\n  "route": "https://x.example.com/*",\n'
        '  "env": {\n    "production": { "name": "app", },\n  },\n}\n'
    )
    (dirs["broken"] / "wrangler.toml").write_text("name = \n")
    mono = dirs["mono"]
    (mono / "package.json").write_text(json.dumps({"private": True, "workspaces": ["apps/*"], "scripts": {}}))
    api = mono / "apps" / "api"
    api.mkdir(parents=True)
    (api / "package.json").write_text(json.dumps({"name": "api", "scripts": {"deploy": "wrangler deploy"}}))
    (api / "wrangler.toml").write_text('name = "api"\n')
    web = mono / "apps" / "web"
    web.mkdir(parents=True)
    (web / "package.json").write_text(json.dumps({"name": "web", "scripts": {"build": "vite build"}}))
    return dirs


@pytest.fixture(scope="session")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_projects(tmp_path_factory.mktemp("projects"))
