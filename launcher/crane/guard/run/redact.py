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
    from collections.abc import Callable, Mapping
    from typing import Any

MIN_SECRET_LENGTH = 4
MIN_SKELETON_LENGTH = MIN_SECRET_LENGTH  # a secret without its quotes and backslashes, matched quoting-blind

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
    r"""Replaces known secret values and credential-shaped text with a mask.

    A secret value is found in the forms it takes on its way into a command or a log line:

    - as written, in any case;
    - with quotes and backslashes anywhere in it (`"p\$ss\"w"`, `'a'\''b'`, `'ab'"cd"`,
      `p\@ss`, JSON's `\"`): a quoting-blind comparison that drops `'`, `"` and `\` from both the
      text and the secret, so it holds whatever quote context the shell is in;
    - through backslash escapes (`$'\x41'`, JSON `\u0041`, C octal) and percent-encoding
      (`%24`, `+` for a space, UTF-8 sequences);
    - as base64, standard and URL-safe, padded or not, at each of the three byte alignments
      inside a longer base64 text (`base64("user:" + secret)`), and as hex in either case.

    Decoding is cheap on the usual path: the decoded text is made with one regular-expression
    pass, and the map back to the original characters is built only when a secret is found in
    it, so the mask covers exactly the characters the secret was written with.
    """

    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        # Longest first, so a secret that contains another is masked whole.
        pairs = [(v, n) for n, v in (secrets or {}).items() if isinstance(v, str) and len(v) >= MIN_SECRET_LENGTH]
        self._secrets = sorted(pairs, key=lambda p: len(p[0]), reverse=True)
        self._forms: _Forms | None = None

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
        if self._secrets:
            # Exact values first: a pattern could split an injected value and leave half of it.
            text = self._mask_secrets(text)
        return redact_patterns(text)

    def _forms_of_secrets(self) -> _Forms:
        if self._forms is None:
            self._forms = _Forms(self._secrets)
        return self._forms

    def _mask_secrets(self, text: str) -> str:
        forms = self._forms_of_secrets()
        spans: list[tuple[int, int, str]] = []
        for chain in _chains(text):
            decoded = _decoded_text(text, chain)
            lowered = decoded.lower()
            hits = [(needle, name) for needle, name in forms.plain if needle in lowered]
            if _QUOTING_CHARS & set(decoded):
                blind = _unquoted(lowered)
                hits += [(needle, name) for needle, name in forms.blind if needle in blind]
            else:
                hits += [(needle, name) for needle, name in forms.blind if needle in lowered]
            if not chain:  # encodings are looked for in the text as written
                longest = max((len(m) for m in _B64_RUN.findall(decoded)), default=0)
                hits += [(n, name) for n, name in forms.base64_up_to(longest) if n in decoded]
                if longest >= 8:
                    hits += [(n, name) for n, name in forms.hex if n in lowered]
            if hits:
                _locate(text, chain, hits, spans)
        return _apply(text, spans) if spans else text

    def redact_obj(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value (keys included: they can hold values too)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self.redact(str(k)): self.redact_obj(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_obj(v) for v in value]
        return value


class _Forms:
    """Every form of every secret to look for, lower-cased where case does not matter."""

    __slots__ = ("plain", "blind", "hex", "_secrets", "_base64")

    def __init__(self, secrets: list[tuple[str, str]]) -> None:
        self.plain: list[tuple[str, str]] = []
        self.blind: list[tuple[str, str]] = []
        self.hex: list[tuple[str, str]] = []
        self._secrets = secrets
        self._base64: dict[int, list[tuple[str, str]]] = {}  # secret index -> its base64 forms (exact case)
        for value, name in secrets:
            self.plain.append((value.lower(), name))
            skeleton = _unquoted(value.lower())
            if len(skeleton) >= MIN_SKELETON_LENGTH:
                self.blind.append((skeleton, name))
            self.hex.append((value.encode().hex(), name))

    def base64_up_to(self, longest: int) -> list[tuple[str, str]]:
        """The base64 forms of the secrets whose shortest form fits in a base64 run this long
        (computed on first need: most texts have no run long enough for any secret)."""
        found: list[tuple[str, str]] = []
        for index, (value, name) in enumerate(self._secrets):
            if len(value.encode()) * 8 // 6 - 2 > longest:
                continue
            forms = self._base64.get(index)
            if forms is None:
                forms = self._base64[index] = [(form, name) for form in base64_forms(value)]
            found.extend(f for f in forms if len(f[0]) <= longest)
        return found


def base64_forms(value: str) -> list[str]:
    """base64 forms of `value` that any base64 text containing it must contain, exact case.

    For each byte alignment (0, 1, 2 bytes before it in the encoded data) only the characters
    whose six bits all come from the value are kept, so the form is found inside a longer base64
    text, with or without padding; each in the standard and the URL-safe alphabet.
    """
    import binascii

    data = value.encode()
    forms: list[str] = []
    for offset in range(3):
        encoded = binascii.b2a_base64(b"\0" * offset + data, newline=False).decode()
        first = -(-8 * offset // 6)  # the first character that starts inside the value
        last = (8 * (offset + len(data))) // 6  # one past the last character that ends inside it
        core = encoded[first:last]
        if len(core) >= MIN_SECRET_LENGTH:
            for form in (core, core.replace("+", "-").replace("/", "_")):
                if form not in forms:
                    forms.append(form)
    return forms


# Decoders: (pattern, replacement) applied with one `re.sub`; the same pattern maps positions back.
# Dropped by the quoting-blind comparison: quotes, backslashes, and what a reader does not see
# or the shell drops (a line continuation's newline, NUL, zero-width characters).
_INVISIBLE = "\n\x00\u200b\u200c\u200d\u2060\ufeff\u00ad"
_QUOTING_CHARS = frozenset("'\"\\" + _INVISIBLE)
_B64_RUN_SOURCE = r"[A-Za-z0-9+/_-]{4,}"
_ESCAPE_SOURCE = r"\\(?:[xX][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)"
_PERCENT_SOURCE = r"(?:%[0-9a-fA-F]{2})+|\+"
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "a": "\a", "e": "\x1b"}


class _Lazy:
    """Patterns compiled on first use (a hook run with no secret in any text compiles none)."""

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = flags
        self._pattern: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            self._pattern = re.compile(self.source, self.flags)
        return self._pattern

    def findall(self, text: str) -> list[str]:
        return self.pattern.findall(text)


_B64_RUN = _Lazy(_B64_RUN_SOURCE)
_ESCAPE = _Lazy(_ESCAPE_SOURCE, re.DOTALL)
_PERCENT = _Lazy(_PERCENT_SOURCE)


def _unescape_one(match: re.Match[str]) -> str:
    body = match.group(0)[1:]
    head = body[0]
    if head in "xXuU" and len(body) > 1:
        code = int(body[1:], 16)
        return chr(code) if code <= 0x10FFFF else "?"
    if head in "01234567":
        return chr(int(body, 8) & 0xFF)
    return _SIMPLE_ESCAPES.get(head, head)


def _unpercent_one(match: re.Match[str]) -> str:
    found = match.group(0)
    if found == "+":
        return " "
    return bytes(int(found[i + 1 : i + 3], 16) for i in range(0, len(found), 3)).decode("utf-8", "replace")


_DECODERS: dict[str, tuple[_Lazy, Callable[[re.Match[str]], str]]] = {
    "escapes": (_ESCAPE, _unescape_one),
    "percent": (_PERCENT, _unpercent_one),
}


def _chains(text: str) -> list[tuple[str, ...]]:
    """The decodings worth trying on this text: as written, unescaped, percent-decoded, both."""
    chains: list[tuple[str, ...]] = [()]
    if "\\" in text:
        chains.append(("escapes",))
    if "%" in text or "+" in text:
        chains.append(("percent",))
        if "\\" in text:
            chains.append(("escapes", "percent"))
    return chains


def _decoded_text(text: str, chain: tuple[str, ...]) -> str:
    for step in chain:
        lazy, replace = _DECODERS[step]
        text = lazy.pattern.sub(replace, text)
    return text


def _mapped(text: str, chain: tuple[str, ...]) -> tuple[str, list[int], list[int]]:
    """The decoded text with, for each of its characters, the original span it came from."""
    starts = list(range(len(text)))
    ends = list(range(1, len(text) + 1))
    for step in chain:
        lazy, replace = _DECODERS[step]
        chars: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        position = 0
        for match in lazy.pattern.finditer(text):
            for i in range(position, match.start()):
                chars.append(text[i])
                new_starts.append(starts[i])
                new_ends.append(ends[i])
            piece = replace(match)
            origin, finish = starts[match.start()], ends[match.end() - 1]
            chars.extend(piece)
            new_starts.extend([origin] * len(piece))
            new_ends.extend([finish] * len(piece))
            position = match.end()
        for i in range(position, len(text)):
            chars.append(text[i])
            new_starts.append(starts[i])
            new_ends.append(ends[i])
        text, starts, ends = "".join(chars), new_starts, new_ends
    return text, starts, ends


def _locate(text: str, chain: tuple[str, ...], hits: list[tuple[str, str]], spans: list[tuple[int, int, str]]) -> None:
    """Original spans of the secrets found in one decoding of `text` (quoting-blind ones too)."""
    decoded, starts, ends = _mapped(text, chain)
    lowered = decoded.lower()
    keep = [i for i, c in enumerate(decoded) if c not in _QUOTING_CHARS]
    blind = "".join(lowered[i] for i in keep)
    for needle, name in hits:
        for haystack, index in ((decoded, None), (lowered, None), (blind, keep)):
            start = haystack.find(needle)
            while start >= 0:
                end = start + len(needle)
                first, last = (start, end - 1) if index is None else (index[start], index[end - 1])
                spans.append((starts[first], ends[last], name))
                start = haystack.find(needle, end)


def _apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    """The text with every span masked by its secret's name; overlapping spans merge."""
    spans.sort(key=lambda s: (s[0], -s[1]))
    out: list[str] = []
    position = 0
    for start, end, name in spans:
        if end <= position:
            continue
        if start >= position:
            out.append(text[position:start])
            out.append(f"[REDACTED:{name}]")
        position = end
    out.append(text[position:])
    return "".join(out)


def views(text: str) -> list[str]:
    """Every decoding of `text` the redactor searches (for tests: a secret must be in none)."""
    found = [_decoded_text(text, chain) for chain in _chains(text)]
    return found + [_unquoted(t) for t in found]


def _unquoted(text: str) -> str:
    """`text` without quotes, backslashes and invisible characters (str.replace is several times
    faster than translate; the invisible ones are rare, so looked for only when present)."""
    text = text.replace("'", "").replace('"', "").replace("\\", "")
    if "\n" in text or "\x00" in text:
        text = text.replace("\n", "").replace("\x00", "")
    if not text.isascii():
        for char in _INVISIBLE[2:]:
            text = text.replace(char, "")
    return text
