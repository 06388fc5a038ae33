"""Redaction of secret values from everything the guard writes or says.

The audit log, the alert log, the webhook body and the reasons shown to the model all pass
through `Redactor.redact`. Two sources of secrets:

1. The run's injected secrets: `crane launch` lists the *names* it injected in `CRANE_INJECTED`
   (comma, colon or whitespace separated); their *values* are read from the hook's own
   environment, which Claude Code inherits from the launcher. Values shorter than
   `MIN_SECRET_LENGTH` are skipped: replacing every "1" or "yes" would shred the log and
   protects nothing.
2. Things that look like credentials wherever they come from: Authorization/Bearer headers,
   values of `--token`/`--password`-style flags, URL userinfo passwords, well-known token shapes
   (GitHub, OpenAI/Anthropic, Slack, AWS, JWT, ...), and `NAME=value` where NAME looks like a
   token/secret/password/key.

Standard library only (the hook imports this on every tool call); the patterns are compiled on
first use, not at import.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

MIN_SECRET_LENGTH = 4
MASK = "[REDACTED]"
INJECTED_VAR = "CRANE_INJECTED"

# NAME=value: names containing one of these words (any case) hold secrets by convention.
_SENSITIVE_NAME_WORDS = r"(?:TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|KEY|CREDENTIAL|PRIVATE|AUTH|COOKIE|SESSION)"
# Flag names whose value is a secret. `--key` is deliberately absent: it usually names a KV key
# or a key *file* (wrangler, openssl), and redacting it would hide what the agent actually wrote.
_SENSITIVE_FLAGS = (
    r"token|password|passwd|pass|secret|client-secret|client_secret|api-key|api_key|apikey|api-token|"
    r"access-token|access_token|auth-token|auth_token|refresh-token|bearer|private-key-value|"
    r"github-token|npm-token|oauth-token"
)
# A shell-ish value: a quoted string or a run of characters up to whitespace or an operator.
_VALUE = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s;&|)]+)"""

_NAME_WORDS = ("token", "secret", "pass", "key", "credential", "private", "auth", "cookie", "session")
_M = MASK

# (any of these lowercase substrings, all of these, pattern, replacement). Compiling all the
# patterns costs ~2 ms, a tenth of the hook's budget, so each is compiled and run only when the
# text contains a literal that every possible match must contain (`git status` compiles none).
_RULES: tuple[tuple[tuple[str, ...], tuple[str, ...], str, str], ...] = (
    # Authorization headers of any scheme, and bare Bearer/Basic credentials.
    (("authorization",), (), r"(?i)(authorization\s*[:=]\s*[\"']?\s*(?:bearer|basic|token|bot)?\s*)([^\s\"']+)",
     rf"\1{_M}"),
    (("bearer", "basic"), (), r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,})", rf"\1\2{_M}"),
    # --token VALUE / --token=VALUE and friends (every flag name contains one of the needles).
    (("token", "pass", "secret", "key", "bearer"), (),
     rf"(?i)(?<![\w-])(--?(?:{_SENSITIVE_FLAGS}))(=|\s+)({_VALUE})", rf"\1\2{_M}"),
    # mysql-family attached passwords (-pSECRET); `-p DIR` elsewhere is not a secret.
    (("mysql", "mariadb"), (), r"(\b(?:mysql|mariadb|mysqldump|mysqladmin|mysqlimport)\b[^\n;&|]*?\s-p)([^\s;&|]+)",
     rf"\1{_M}"),
    # Password-taking short flags of well-known tools: sshpass -p X, redis-cli -a X.
    (("sshpass",), (), r"(\bsshpass\b[^\n;&|]*?\s-p\s*)([^\s;&|]+)", rf"\1{_M}"),
    (("redis-cli",), (), r"(\bredis-cli\b[^\n;&|]*?\s-a\s*)([^\s;&|]+)", rf"\1{_M}"),
    # curl -u user:password / --user user:password
    (("-u",), (":",), r"((?:\s-u|--user)(?:=|\s+)['\"]?[^:\s'\"]*:)([^\s'\"]+)", rf"\1{_M}"),
    # URL userinfo: scheme://user:password@host
    (("://",), ("@",), r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)([^@\s/]+)(@)", rf"\1{_M}\3"),
    # Well-known token shapes.
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), (), r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}", _M),
    (("github_pat_",), (), r"\bgithub_pat_[A-Za-z0-9_]{20,}", _M),
    (("glpat-",), (), r"\bglpat-[A-Za-z0-9_-]{16,}", _M),
    (("sk-",), (), r"\bsk-[A-Za-z0-9_-]{16,}", _M),
    (("xox",), (), r"\bxox[abposr]-[A-Za-z0-9-]{8,}", _M),
    (("akia", "asia"), (), r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", _M),
    (("aiza",), (), r"\bAIza[0-9A-Za-z_-]{30,}", _M),
    (("npm_",), (), r"\bnpm_[A-Za-z0-9]{30,}", _M),
    (("eyj",), (), r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}", _M),
    (("private key",), (), r"(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", _M),
    # NAME=value (shell assignments, env prefixes, .env lines) and "name": "value" (JSON).
    (_NAME_WORDS, ("=",), rf"(?i)(?<![\w-])([A-Za-z0-9_]*{_SENSITIVE_NAME_WORDS}[A-Za-z0-9_]*=)({_VALUE})",
     rf"\1{_M}"),
    (_NAME_WORDS, ('"', ":"),
     rf"""(?i)("[A-Za-z0-9_-]*{_SENSITIVE_NAME_WORDS}[A-Za-z0-9_-]*"\s*:\s*)"(?:[^"\\]|\\.)*\"""",
     rf'\1"{_M}"'),
)
_compiled: dict[int, re.Pattern[str]] = {}


def redact_patterns(text: str) -> str:
    """Mask credential-shaped text (the patterns only; injected values are `Redactor`'s job)."""
    lowered = text.lower()
    for index, (any_of, all_of, source, replacement) in enumerate(_RULES):
        if not any(n in lowered for n in any_of) or not all(n in lowered for n in all_of):
            continue
        pattern = _compiled.get(index)
        if pattern is None:
            pattern = _compiled[index] = re.compile(source)
        text = pattern.sub(replacement, text)
        lowered = text.lower()
    return text


def injected_names(environ: Mapping[str, str]) -> list[str]:
    """The secret names the launcher injected, from `CRANE_INJECTED`."""
    raw = environ.get(INJECTED_VAR, "")
    if not raw:
        return []
    return [name for name in re.split(r"[\s,:;]+", raw) if name]


class Redactor:
    """Replaces known secret values and credential-shaped text with a mask."""

    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        # Longest first, so a secret that contains another is masked whole.
        pairs = [(v, n) for n, v in (secrets or {}).items() if isinstance(v, str) and len(v) >= MIN_SECRET_LENGTH]
        self._secrets = sorted(pairs, key=lambda p: len(p[0]), reverse=True)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Redactor:
        environ = os.environ if environ is None else environ
        return cls({name: environ[name] for name in injected_names(environ) if name in environ})

    @property
    def secret_names(self) -> list[str]:
        return [name for _, name in self._secrets]

    def redact(self, text: str) -> str:
        if not text:
            return text
        # Exact values first: a pattern could split an injected value and leave half of it.
        # Case-insensitively: derived text can change the case (a URL host is lower-cased).
        lowered = text.lower()
        for value, name in self._secrets:
            if value.lower() in lowered:
                text = re.sub(re.escape(value), f"[REDACTED:{name}]", text, flags=re.IGNORECASE)
                lowered = text.lower()
        return redact_patterns(text)

    def redact_obj(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value (keys included: they can hold values too)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self.redact(str(k)): self.redact_obj(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_obj(v) for v in value]
        return value
