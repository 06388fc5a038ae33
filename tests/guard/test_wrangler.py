"""Wrangler configs: JSONC, the environments they define, and where wrangler finds them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crane.guard.see.classify import classify_command
from crane.guard.see.wrangler import read_config, strip_jsonc
from tests.guard.conftest import CONFIG


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1, // c\n "b": 2}', {"a": 1, "b": 2}),
        ('{"url": "https://x.dev/a//b", /* c */ "b": [1, 2, ],}', {"url": "https://x.dev/a//b", "b": [1, 2]}),
        ('{"s": "/* not a comment */", "t": "a,}"}', {"s": "/* not a comment */", "t": "a,}"}),
        ('{"q": "say \\"hi\\" // still string", "n": 1,\n}', {"q": 'say "hi" // still string', "n": 1}),
        ('// leading\n{"env": {"production": {},},}\n// trailing', {"env": {"production": {}}}),
        ('{"a": "\\\\", "b": 1,}', {"a": "\\", "b": 1}),
    ],
)
def test_strip_jsonc(text: str, expected: object) -> None:
    assert json.loads(strip_jsonc(text)) == expected


def test_unterminated_things_do_not_crash() -> None:
    for text in ('{"a": "x', "/* open", '{"a": 1, // x', "{,}", ""):
        strip_jsonc(text)


def _project(tmp_path: Path, name: str, content: str) -> Path:
    (tmp_path / name).write_text(content)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "content", "target"),
    [
        ("wrangler.toml", 'name = "a"\n', "production"),
        ("wrangler.toml", 'name = "a-dev"\n[env.production]\nname = "a"\n', "staging"),
        # The top level deploys the worker production deploys: it is production.
        ("wrangler.toml", 'name = "a"\n[env.production]\nname = "a"\n', "production"),
        ("wrangler.toml", 'name = "a"\n[env.staging]\n[env.dev]\n', "production"),
        ("wrangler.json", '{"name": "a", "env": {"production": {}}}', "staging"),
        ("wrangler.jsonc", '{\n // x\n "name": "a",\n "env": {"staging": {},},\n}', "production"),
        ("wrangler.toml", "name = [broken", "production"),  # a config the guard cannot read
        ("wrangler.json", "[1, 2]", "production"),
    ],
)
def test_top_level_target(tmp_path: Path, name: str, content: str, target: str) -> None:
    cwd = _project(tmp_path, name, content)
    result = classify_command("wrangler deploy", cwd=str(cwd), config=CONFIG, environ={})
    assert result.target == target, result.reason


def test_config_is_found_in_a_parent_directory(tmp_path: Path) -> None:
    _project(tmp_path, "wrangler.toml", '[env.production]\n')
    sub = tmp_path / "src" / "deep"
    sub.mkdir(parents=True)
    assert classify_command("wrangler deploy", cwd=str(sub), config=CONFIG, environ={}).target == "staging"


def test_json_wins_over_toml_like_wrangler(tmp_path: Path) -> None:
    _project(tmp_path, "wrangler.toml", "[env.production]\n")
    _project(tmp_path, "wrangler.json", "{}")
    assert classify_command("wrangler deploy", cwd=str(tmp_path), config=CONFIG, environ={}).target == "production"


def test_generated_vite_config_is_production(tmp_path: Path) -> None:
    _project(tmp_path, "wrangler.toml", "[env.production]\n")
    (tmp_path / ".wrangler" / "deploy").mkdir(parents=True)
    (tmp_path / ".wrangler" / "deploy" / "config.json").write_text('{"configPath": "../../dist/wrangler.json"}')
    assert classify_command("wrangler deploy", cwd=str(tmp_path), config=CONFIG, environ={}).target == "production"
    # The generated config bakes in one environment: --env does not choose it.
    result = classify_command("wrangler deploy --env staging", cwd=str(tmp_path), config=CONFIG, environ={})
    assert result.target == "production"


def test_missing_explicit_config_is_unknown(tmp_path: Path) -> None:
    result = classify_command("wrangler deploy -c nope.toml", cwd=str(tmp_path), config=CONFIG, environ={})
    assert result.target == "unknown"


def test_environment_names_are_matched_case_insensitively(tmp_path: Path) -> None:
    assert classify_command("wrangler deploy -e Production", cwd=str(tmp_path), config=CONFIG,
                            environ={}).target == "production"


def test_cloudflare_env_set_on_one_path_only(tmp_path: Path) -> None:
    _project(tmp_path, "wrangler.toml", "[env.production]\n[env.staging]\n")
    command = "if [ -n \"$CI\" ]; then export CLOUDFLARE_ENV=production; fi; wrangler deploy"
    assert classify_command(command, cwd=str(tmp_path), config=CONFIG, environ={}).target == "production"
    command = "export CLOUDFLARE_ENV=production; unset CLOUDFLARE_ENV; wrangler deploy"
    assert classify_command(command, cwd=str(tmp_path), config=CONFIG, environ={}).target == "staging"


def test_read_config_limits(tmp_path: Path) -> None:
    big = tmp_path / "wrangler.json"
    big.write_text("[" + "1," * 2_000_000 + "1]")
    assert read_config(str(big)) is None
