"""Redaction: injected secret values and credential-shaped text never survive."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crane.guard.run.redact import _RULES, MASK, Redactor, injected_names, redact_patterns

GHP = "ghp_" + "a1B2" * 9
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

# text, the secret part that must disappear
SECRET_SHAPES = [
    ("curl -H 'Authorization: Bearer abcdef123456789' https://x", "abcdef123456789"),
    ('curl -H "authorization: token s3cr3tvalue99" https://x', "s3cr3tvalue99"),
    ("http GET x Authorization:Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ("echo Bearer zyxwvutsrq987654", "zyxwvutsrq987654"),
    ("tool --token abc123secret", "abc123secret"),
    ("tool --token=abc123secret --verbose", "abc123secret"),
    ("tool --password 'two words'", "two words"),
    ('tool --api-key "k-123456"', "k-123456"),
    ("vault login -token=hvs.CAESIJ", "hvs.CAESIJ"),
    ("mysql -u root -pHunter2pass db", "Hunter2pass"),
    ("sshpass -p Hunter2pass ssh host", "Hunter2pass"),
    ("redis-cli -h h -a Hunter2pass GET k", "Hunter2pass"),
    ("curl -u admin:Hunter2pass https://x", "Hunter2pass"),
    ("curl --user=admin:Hunter2pass https://x", "Hunter2pass"),
    ("psql postgres://app:Hunter2pass@db.internal:5432/app", "Hunter2pass"),
    ("git clone https://user:Hunter2pass@github.com/o/r", "Hunter2pass"),
    (f"gh auth login --with-token <<< {GHP}", GHP),
    (f"echo {GHP}", GHP),
    ("echo github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_11ABCDEFG0123456789"),
    ("echo sk-ant-api03-abcdefghijklmnopqrstuvwx", "sk-ant-api03-abcdefghijklmnopqrstuvwx"),
    ("echo sk-proj-abcdefghijklmnop1234", "sk-proj-abcdefghijklmnop1234"),
    ("curl -d token=xoxb-1234567890-abcdefghij slack", "xoxb-1234567890-abcdefghij"),
    ("aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    (f"curl -H 'X-Session: {JWT}'", JWT),
    ("API_TOKEN=abc123 npx wrangler deploy", "abc123"),
    ("export CLOUDFLARE_API_KEY='quoted value here'", "quoted value here"),
    ('DB_PASSWORD="p@ss word" ./migrate', "p@ss word"),
    ("stripe_secret_key=rk_live_123456 node x.js", "rk_live_123456"),
    ('{"client_secret": "shhh-123456", "name": "n"}', "shhh-123456"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "MIIEow"),
]


@pytest.mark.parametrize(("text", "secret"), SECRET_SHAPES)
def test_credential_shapes_are_masked(text: str, secret: str) -> None:
    out = Redactor().redact(text)
    assert secret not in out
    assert MASK in out


@pytest.mark.parametrize("text", [
    "git status",
    "mkdir -p build/out",
    "npx wrangler kv key put --key=user:1 value --remote",
    "ls -la ~/.ssh",
    "npx wrangler deploy --env production",
    "docker run -p 8080:80 nginx",
    "pytest -k token_tests",
    "https://example.com/path?x=1",
])
def test_ordinary_commands_are_untouched(text: str) -> None:
    assert Redactor().redact(text) == text


def test_injected_secret_values_are_replaced_by_name() -> None:
    environ = {
        "CRANE_INJECTED": "DEMO_API_KEY, SHORT\nLONGER_ONE:MISSING",
        "DEMO_API_KEY": "plainvalue42",
        "SHORT": "abc",  # below the minimum length: would shred the log, protects nothing
        "LONGER_ONE": "plainvalue42-and-more",
    }
    assert injected_names(environ) == ["DEMO_API_KEY", "SHORT", "LONGER_ONE", "MISSING"]
    r = Redactor.from_environ(environ)
    assert set(r.secret_names) == {"DEMO_API_KEY", "LONGER_ONE"}
    out = r.redact("curl x?k=plainvalue42 && echo plainvalue42-and-more; echo abc")
    assert "plainvalue42" not in out
    # The longer secret is masked whole, not as "[REDACTED:DEMO_API_KEY]-and-more".
    assert "[REDACTED:LONGER_ONE]" in out and "[REDACTED:DEMO_API_KEY]" in out
    assert out.endswith("echo abc")


def test_redact_obj_walks_nested_json() -> None:
    r = Redactor({"S": "supersecret"})
    out = r.redact_obj({"a": ["x supersecret", {"b": "supersecret"}], "n": 3, "none": None, "supersecret": 1})
    assert "supersecret" not in repr(out)
    assert out["n"] == 3 and out["none"] is None


def test_no_environment_no_secrets() -> None:
    assert Redactor.from_environ({}).secret_names == []


def _unfiltered(text: str) -> str:
    """The patterns applied without the literal prefilter: the reference the fast path must equal."""
    for _any, _all, source, replacement in _RULES:
        text = re.compile(source).sub(replacement, text)
    return text


FRAGMENTS = [t for t, _ in SECRET_SHAPES] + [
    " ", "=", ":", "@", '"', "'", "-u ", "--user ", "://", "Token", "KEY", "pass", "x", "AKIA", "sk-", "eyJ",
    "Bearer ", "mysql ", "-p", "a" * 20, "A1" * 10, "\n", "redis-cli -a ", "sshpass -p ", "PRIVATE KEY",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=8))
def test_prefilter_never_skips_a_match(parts: list[str]) -> None:
    text = "".join(parts)
    assert redact_patterns(text) == _unfiltered(text)
