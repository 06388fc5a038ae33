"""A secret must not survive in an escaped or encoded form: shell quoting, backslash escapes,
JSON/C escapes, base64 (standard, URL-safe, unpadded, inside longer base64 at every alignment),
hex (both cases) and percent-encoding. Checked on the Redactor and through the real hook process
(stderr the model reads, the audit log, the alert log, and `crane runs show`)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crane.guard.run.install import hook_command
from crane.guard.run.redact import Redactor, views

from .conftest import base_env, encode, hook_input, write_profile

# Realistic generated passwords: `$`, `"`, `\`, `'` and friends.
CANARY = "Zq8$v\"1\\kP'9&w!x"
NAME = "DB_PASSWORD"


def dq(v: str) -> str:
    """As written inside double quotes."""
    return '"' + "".join("\\" + c if c in '$`"\\' else c for c in v) + '"'


def sq(v: str) -> str:
    return "'" + v.replace("'", "'\\''") + "'"


def backslashed(v: str) -> str:
    return "".join(c if c.isalnum() else "\\" + c for c in v)


def split_quotes(v: str) -> str:
    half = len(v) // 2
    return sq(v[:half]) + dq(v[half:])


def ansi_c(v: str) -> str:
    return "$'" + "".join(f"\\x{ord(c):02x}" for c in v) + "'"


def json_in_single_quotes(v: str) -> str:
    return sq(json.dumps({"password": v}))


def b64(prefix: str = "", *, urlsafe: bool = False, pad: bool = True) -> Callable[[str], str]:
    def encode_it(v: str) -> str:
        data = (prefix + v).encode()
        out = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
        return out if pad else out.rstrip("=")

    encode_it.__name__ = f"b64_{len(prefix)}_{'url' if urlsafe else 'std'}_{'pad' if pad else 'nopad'}"
    return encode_it


FORMS: list[Callable[[str], str]] = [
    lambda v: v, dq, sq, backslashed, split_quotes, ansi_c, json_in_single_quotes,
    lambda v: json.dumps(v), lambda v: dq(json.dumps(v)),
    b64(), b64(urlsafe=True), b64(pad=False), b64("u:"), b64("us:"), b64("use:"), b64("u:", urlsafe=True),
    b64("user:", urlsafe=True, pad=False), b64("Basic-cred:"),
    lambda v: v.encode().hex(), lambda v: v.encode().hex().upper(),
    lambda v: quote(v, safe=""), lambda v: quote_plus(v), lambda v: quote(v, safe="").lower(),
    lambda v: quote(v, safe="!'()*"),  # encodeURIComponent leaves these
]
FORM_IDS = ["raw", "dq", "sq", "backslashed", "split", "ansi_c", "json_sq", "json", "json_dq",
            "b64", "b64url", "b64nopad", "b64+2", "b64+3", "b64+4", "b64url+2", "b64url+5nopad", "b64+11",
            "hex", "HEX", "pct", "pct_plus", "pct_lower", "pct_uri_component"]


def leaked(text: str, secret: str) -> bool:
    """Does any decoding the redactor knows, or any of the encodings, still show the secret?"""
    skeleton = secret.lower().translate(str.maketrans("", "", "'\"\\"))
    decoded = [view.lower() for view in views(text)]
    if any(secret.lower() in view for view in decoded) or (skeleton and any(skeleton in view for view in decoded)):
        return True
    data = secret.encode()
    if data.hex() in text.lower():
        return True
    return any(form(secret).rstrip("=") in text for form in (b64(), b64(urlsafe=True)))


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_every_form_is_masked(form: Callable[[str], str]) -> None:
    written = form(CANARY)
    text = f"curl -X POST https://api.example.com/x -H 'X-Auth: {written}' -d {written} && echo done"
    out = Redactor({NAME: CANARY}).redact(text)
    assert written not in out, out
    assert not leaked(out, CANARY), out
    assert "[REDACTED" in out  # by name, or by the `"password": ...` pattern that runs after
    assert out.endswith("&& echo done")  # the rest of the text is kept


SECRET_ALPHABET = st.sampled_from(list("abcXYZ0189$\"\\'`!&*%+/=:@ -_~.{}"))
SECRET_CHARS = st.text(alphabet=SECRET_ALPHABET, min_size=6, max_size=24).filter(
    # Redaction promises nothing for a secret that is mostly quotes (fewer than 4 other characters).
    lambda s: len(s.translate(str.maketrans("", "", "'\"\\"))) >= 4
)


@settings(max_examples=300, deadline=None)
@given(SECRET_CHARS, st.sampled_from(range(len(FORMS))), st.text(alphabet="ab =:'\"", max_size=6))
def test_property_no_form_survives(secret: str, index: int, padding: str) -> None:
    written = FORMS[index](secret)
    out = Redactor({NAME: secret}).redact(f"{padding}{written}{padding}")
    assert written not in out
    assert secret not in out


def test_base64_inside_a_longer_blob_at_every_alignment() -> None:
    redactor = Redactor({NAME: CANARY})
    for before in range(6):
        for after in range(4):
            blob = base64.b64encode(b"x" * before + CANARY.encode() + b"y" * after).decode()
            out = redactor.redact(f"echo {blob} | base64 -d")
            core = base64.b64encode(CANARY.encode()).decode()[:8]
            assert f"[REDACTED:{NAME}]" in out, (before, after, out)
            assert core not in out or before % 3


@pytest.mark.parametrize("text", [
    "git status", "npx wrangler deploy --env production", "echo 'a \"quoted\" \\\\ thing' %41%42",
    "curl https://example.com/path?x=1&y=%20", "echo aGVsbG8gd29ybGQ= | base64 -d", "printf '\\x41\\n'",
])
def test_ordinary_text_is_untouched(text: str) -> None:
    assert Redactor({NAME: CANARY, "OTHER": "unrelated-value-42"}).redact(text) == text


# ---------------------------------------------------------------------------------------------
# Through the real hook process: what the model reads, the audit and alert logs, `crane runs show`


def _hook(command: str, env: dict[str, str], python: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["sh", "-c", hook_command(python)], input=encode(hook_input(command=command)),
                          capture_output=True, env=env, timeout=60, check=False)


@pytest.mark.parametrize("mode", ["deny", "dry-run"])
def test_canaries_never_leave_the_hook(tmp_path: Path, classify_available: Any, isolated_python: str,
                                       mode: str) -> None:
    run_id = f"run-redact-{mode}"
    profile = write_profile(tmp_path / "profiles")  # its production URL is https://api.example.com
    env = base_env(tmp_path, CRANE_INJECTED=NAME, CRANE_RUN_ID=run_id, CRANE_PROFILE=str(profile), **{NAME: CANARY})
    env.update({"CRANE_ENV": "dev"} if mode == "deny" else {"CRANE_DRY_RUN": "1"})
    outputs: list[bytes] = []
    for form, form_id in zip(FORMS, FORM_IDS, strict=True):
        written = form(CANARY)
        command = f"curl -X POST https://api.example.com/items -H 'X-Key: {written}' -d p={written}"
        proc = _hook(command, env, isolated_python)
        assert proc.returncode == 2, (form_id, proc.stderr)
        assert b"NOT executed" in proc.stderr, (form_id, proc.stderr)
        outputs.append(proc.stdout + proc.stderr)
    # An error path too: malformed input naming the secret goes to the alert log.
    crash = subprocess.run(["sh", "-c", hook_command(isolated_python)], input=json.dumps(
        {"tool_name": "Bash", "tool_input": {"command": 7}, "x": dq(CANARY)}).encode(),
        capture_output=True, env=env, timeout=60, check=False)
    outputs.append(crash.stdout + crash.stderr)
    cli = [sys.executable, "-c", "from crane.cli.main import entry; entry()"]
    shown = subprocess.run([*cli, "runs", "show", run_id], capture_output=True, env=env, timeout=60, check=False)
    outputs.append(shown.stdout + shown.stderr)
    written_files = [p.read_text() for p in tmp_path.rglob("*.jsonl")]
    assert written_files, "the hook wrote no audit log"
    for text in [o.decode("utf-8", "replace") for o in outputs] + written_files:
        assert not leaked(text, CANARY), text[:500]
        for form, form_id in zip(FORMS, FORM_IDS, strict=True):
            assert form(CANARY) not in text, form_id
    audit = (tmp_path / "state" / "audit.jsonl").read_text()
    assert audit.count(f"[REDACTED:{NAME}]") >= len(FORMS)
    if mode == "dry-run":
        assert shown.returncode == 0 and b"intercepted" in shown.stdout, shown.stderr


@pytest.mark.parametrize(
    "template",
    [
        "wrangler secret put X <<< {head}\\\n{tail}",  # a line continuation inside the word
        "echo {head}\x00{tail}",
        "echo {spread}",  # zero-width characters between every character
    ],
)
def test_invisible_separators_review2(template: str) -> None:
    secret = "sk_live_AbC123xyz"
    text = template.format(head=secret[:8], tail=secret[8:], spread="\u200b".join(secret))
    out = Redactor({"STRIPE": secret}).redact(text)
    assert "[REDACTED:STRIPE]" in out
    assert "AbC123" not in out.replace("\u200b", "")
