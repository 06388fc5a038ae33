"""What code in another language would start or send: `python -c`, `node -e`, `deploy.py`, awk, vim.

The guard does not run the code; it reads it for the few things that reach outside:

- calls that start programs (`subprocess.run([...])`, `os.system("...")`, `execSync("...")`,
  `spawn("wrangler", ["deploy"])`, `system("...")` in Ruby/Perl/PHP/awk, backticks in Ruby/Perl/
  PHP, zx's `` $`...` ``): when the command is written out as literal strings, it becomes a
  shell command the analyser judges like any other (`Spawn.command`); when any part of it is
  assembled at run time (`"wran" + "gler"`, an f-string, a variable), it is unresolved
  (`Spawn.command is None`): crane cannot see what runs;
- code that may run code crane cannot see (`eval`/`exec` of a non-literal, `new Function`,
  `__import__`, base64 decoding next to a spawn module): unresolved as well;
- HTTP requests with a mutating method (`requests.post`, `fetch(…, {method: "POST"})`,
  `Net::HTTP::Post`, `CURLOPT_POST`, …): the literal URLs in the code (and the session's own
  variables it reads: `os.environ["CRANE_API_BASE"]`) say where they land; none: unresolved.

Pure functions on text; regular expressions only (standard library).
"""

from __future__ import annotations

import re
import shlex

from crane._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

MAX_CODE_CHARS = 1024 * 1024  # longer code is not scanned: unresolved if it may spawn

# Call sites whose first arguments are a command (or a program and its arguments).
_SPAWN_CALL = re.compile(
    r"(?:\bsubprocess\s*\.\s*(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)"
    r"|\bos\s*\.\s*(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?)"
    r"|\bpty\s*\.\s*spawn|\bcreate_subprocess_(?:exec|shell)|\bsh\s*\.\s*Command"
    r"|(?<![\w$])(?<!\w\.)(?P<bare>execSync|execFileSync|execFile|spawnSync|spawn|exec|fork|execa|execaSync|execaCommand"
    r"|execaCommandSync|system|shell_exec|passthru|proc_open|popen|pcntl_exec|systemlist|jobstart|termopen)"
    r"|\b(?:child_process|cp|shell|shelljs|Bun|Deno|Kernel|IO|Open3|process)\s*\.\s*"
    r"(?:execSync|execFileSync|execFile|spawnSync|spawn|exec|fork|run|system|popen|popen2|popen3|capture2e?"
    r"|capture3|pipeline\w*)"
    r"|\bnew\s+Deno\s*\.\s*Command|\bProcessBuilder|\bRuntime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec"
    r"|\bos\s*\.\s*execute|\bio\s*\.\s*popen|\bexec\s*\.\s*Command(?:Context)?"
    r")\s*\(\s*"
)
# Shell commands written inline: zx/Bun `` $`…` ``, Ruby/Perl/PHP backticks, `%x(…)`, `qx(…)`.
_TEMPLATE_SHELL = re.compile(r"(?:\$|\bBun\s*\.\s*\$)`([^`]*)`")
_BACKTICK = re.compile(r"`([^`]*)`")
_QUOTED_EXEC = re.compile(r"(?:%x|qx)\s*([({\[<|!/])")
# Modules and constructs that run programs or code; with no resolvable call site they leave
# something unseen.
_SPAWN_CAPABLE = re.compile(
    r"\b(?:subprocess|child_process|os\s*\.\s*(?:system|popen|exec|spawn|posix_spawn)|pty\s*\.\s*spawn"
    r"|Deno\s*\.\s*(?:run|Command)|Bun\s*\.\s*(?:spawn|\$)|execa|shelljs|zx|IO\s*\.\s*popen|Open3"
    r"|ProcessBuilder|Runtime\s*\.\s*getRuntime|shell_exec|passthru|proc_open|pcntl_exec|os\s*\.\s*execute"
    r"|io\s*\.\s*popen|os/exec|do\s+shell\s+script)\b"
)
# Code that runs code it builds at run time (a non-literal argument).
_EVAL = re.compile(
    r"(?<![\w.])(?:eval|exec|compile)\s*\(\s*(?![\"'`)])|\bnew\s+Function\s*\(|\b__import__\s*\(\s*(?![\"'])"
    r"|\bimport_module\s*\(\s*(?![\"'])|\bvm\s*\.\s*run\w*\s*\("
)
# Decoding next to a way to start programs: the command may be in the encoded text.
_DECODE = re.compile(
    r"\bb64decode\b|\batob\s*\(|\bBuffer\s*\.\s*from\s*\([^)]*base64|\bdecode64\b|\bMIME::Base64\b"
    r"|\bbase64_decode\s*\(|\bunpack\s*\(\s*[\"']m|\bcodecs\s*\.\s*decode|\bbytes\.fromhex|\bunhexlify"
)
_HTTP_LIBRARY = re.compile(
    r"\b(?:requests|httpx|aiohttp|urllib|urllib3|http\.client|HTTPConnection|axios|fetch|got|ky|superagent"
    r"|undici|XMLHttpRequest|Net::HTTP|HTTParty|RestClient|Faraday|LWP|HTTP::Tiny|HTTP::Request|curl_\w+"
    r"|Guzzle|http\.request|https\.request|urlopen|Request|request|file_get_contents|stream_context_create"
    r"|fsockopen|Invoke-WebRequest|Invoke-RestMethod)\b"
)
# Mutating requests, tried cheapest first (one big case-insensitive pattern cost ~10 ms on 40 KB).
_DOT_VERB = re.compile(r"(?:\.|->)\s*(?:post|put|patch|delete)\s*\(")
# `urlopen(url, data)`: a body makes it a POST.
_URLOPEN_DATA = re.compile(r"\burlopen\s*\(\s*(?:\"[^\"]*\"|'[^']*'|[\w.]+)\s*,\s*(?!timeout\b|context\b|cafile\b)\S")
_METHOD_VERB = re.compile(r"(?:method|verb)\s*(?:[:=]|=>)\s*[\"'`]?(?:post|put|patch|delete)\b")
_DATA_ARG = re.compile(r"(?<![\w.])(?:data\s*=(?!=)|body\s*:)")
_VERBS = ("POST", "PUT", "PATCH", "DELETE")


def _mutating(code: str) -> bool:
    if "CURLOPT_" in code or "Net::HTTP::" in code or _DOT_VERB.search(code) is not None:
        return True
    if any(f'"{v}"' in code or f"'{v}'" in code or f'"{v.lower()}"' in code or f"'{v.lower()}'" in code
           for v in _VERBS):
        return True
    if "urlopen" in code and _URLOPEN_DATA.search(code) is not None:
        return True
    return _METHOD_VERB.search(code.lower()) is not None or _DATA_ARG.search(code) is not None


_URL = re.compile(r"https?://[^\s'\"`)<>\]}]+")
# The session's own variables read by code: `os.environ["CRANE_API_BASE"]`, `process.env.CRANE_X`.
_ENV_READ = re.compile(
    r"(?:environ(?:\.get)?\s*[\[(]\s*|getenv\s*\(\s*|process\.env\.|process\.env\[\s*|ENV\s*\[\s*|\$ENV\{)"
    r"[\"']?([A-Za-z_][A-Za-z0-9_]*)"
)
_STRING = re.compile(
    r"(?P<prefix>[rRbBuU]{0,2})(?P<q>\"\"\"|'''|\"|'|`)"
)


class Spawn(Record):
    """One program start in the code: its shell command, or None when it cannot be resolved."""

    __slots__ = ("command", "why")
    command: str | None
    why: str

    def __init__(self, command: str | None, why: str) -> None:
        self._set(command=command, why=why)


class Request(Record):
    """One mutating HTTP request: the URLs it may go to (empty: unresolved)."""

    __slots__ = ("urls",)
    urls: tuple[str, ...]

    def __init__(self, urls: tuple[str, ...]) -> None:
        self._set(urls=urls)


class Scan(Record):
    __slots__ = ("spawns", "requests")
    spawns: tuple[Spawn, ...]
    requests: tuple[Request, ...]

    def __init__(self, spawns: tuple[Spawn, ...] = (), requests: tuple[Request, ...] = ()) -> None:
        self._set(spawns=spawns, requests=requests)


def scan(code: str, lang: str, environ: Mapping[str, str], session: frozenset[str] = frozenset()) -> Scan:
    """What `code` (in `lang`: python, js, ruby, perl, php, awk, vim, other) starts and sends."""
    if len(code) > MAX_CODE_CHARS:
        return Scan((Spawn(None, "code too long to read"),))
    spawns: list[Spawn] = []
    capable = _SPAWN_CAPABLE.search(code) is not None
    called = set(_CALLED.findall(code))  # one cheap pass; the costly patterns run only where needed
    aliased = _aliased_calls(code)
    capable = capable or bool(aliased)
    seen: set[int] = set()
    for match in [*_spawn_calls(code, called), *aliased]:
        if match.end() in seen:
            continue  # the same call found both ways
        seen.add(match.end())
        name = match.group(0).split("(")[0].strip()
        if lang == "python" and name == "exec":
            continue  # Python's exec runs Python code (see _EVAL)
        if match.re is _SPAWN_CALL and match.group("bare") and lang in ("python", "js") and not capable:
            continue  # `regex.exec(s)`, a local `spawn()`: not a program start without a spawn module
        command = _literal_command(code, match.end())
        spawns.append(Spawn(command, f"{name}() with a command assembled at run time" if command is None else name))
    for match in _TEMPLATE_SHELL.finditer(code) if "`" in code else ():
        spawns.append(_shell_literal(match.group(1), "$`…`", "${"))
    if lang in ("ruby", "perl", "php"):
        interpolation = "#{" if lang == "ruby" else "$"
        for match in _BACKTICK.finditer(code):
            spawns.append(_shell_literal(match.group(1), "backticks", interpolation))
        for match in _QUOTED_EXEC.finditer(code):
            body = _delimited(code, match.end() - 1)
            spawns.append(_shell_literal(body, "%x/qx", interpolation) if body is not None
                          else Spawn(None, "%x/qx command"))
    if lang == "awk":
        spawns.extend(_awk_pipes(code))
    for match in _APPLESCRIPT.finditer(code):
        literal = _string(code, match.end())
        spawns.append(Spawn(literal[0], "do shell script") if literal is not None and
                      not code[literal[1]:].lstrip().startswith("&") else
                      Spawn(None, "do shell script with a command assembled at run time"))
    if not spawns and capable:
        spawns.append(Spawn(None, "code that starts programs in a way crane cannot follow"))
    dynamic = _EVAL.search(code) if called & _EVAL_NAMES else None
    if dynamic is None and (spawns or capable):
        dynamic = _DECODE.search(code)
    if dynamic is not None:
        spawns.append(Spawn(None, f"code built at run time ({dynamic.group(0).strip()[:20]})"))
    requests: list[Request] = []
    if _HTTP_LIBRARY.search(code) is not None and _mutating(code):
        urls: list[str] = []
        assembled = False
        for match in _URL.finditer(code):
            url = match.group(0).rstrip(".,;")
            after = code[match.end() : match.end() + 3].lstrip("\"'` \t")
            host_part = url.split("://", 1)[1].split("/", 1)[0]
            if any(c in host_part for c in "{$%") or "/" not in url.split("://", 1)[1] and \
                    after.startswith(("+", ".", "%", "&", "#{")):
                assembled = True  # `"https://api." + host`, f"https://{host}/x", `"https://" . $h`
            urls.append(url)
        for name in _ENV_READ.findall(code):
            if name.startswith("CRANE_") or name in session:
                urls.append(environ.get(name, ""))
        requests.append(Request(() if assembled else tuple(urls)))
    return Scan(tuple(spawns), tuple(requests))


_CALLED = re.compile(r"([A-Za-z_$][\w$]*)\s*\(")
_APPLESCRIPT = re.compile(r"\bdo\s+shell\s+script\s+")
_SPAWN_NAMES = frozenset({
    "run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput", "system", "popen",
    "spawn", "posix_spawn", "posix_spawnp", "create_subprocess_exec", "create_subprocess_shell", "Command",
    "execSync", "execFileSync", "execFile", "spawnSync", "exec", "fork", "execa", "execaSync", "execaCommand",
    "execaCommandSync", "shell_exec", "passthru", "proc_open", "pcntl_exec", "systemlist", "jobstart", "termopen",
    "popen2", "popen3", "capture2", "capture2e", "capture3", "ProcessBuilder", "getRuntime", "execute",
    "CommandContext",
})
_EVAL_NAMES = frozenset({"eval", "exec", "compile", "Function", "__import__", "import_module", "runInNewContext",
                         "runInThisContext", "runInContext"})


def _spawn_calls(code: str, called: set[str]) -> list[re.Match[str]]:
    """`_SPAWN_CALL` matches, searched only around the calls whose names may start a program."""
    names = {n for n in called if n in _SPAWN_NAMES or n.startswith(("exec", "spawn", "pipeline"))}
    if not names:
        return []
    found: dict[int, re.Match[str]] = {}
    near = re.compile(r"(?:" + "|".join(re.escape(n) for n in sorted(names)) + r")\s*\(")
    for hit in near.finditer(code):
        start = max(0, hit.start() - 80)
        for match in _SPAWN_CALL.finditer(code, start, hit.end() + 1):
            if match.end() >= hit.end() - 1:
                found.setdefault(match.start(), match)
    return [found[k] for k in sorted(found)]


_PY_ALIAS = re.compile(r"\bimport\s+(?:subprocess|os|pty)\s+as\s+(\w+)")
_PY_FROM = re.compile(r"\bfrom\s+(?:subprocess|os|pty)\s+import\s+(?:\(([^)]*)\)|([\w \t,]+))")
_JS_ALIAS = re.compile(
    r"(?:(?:const|let|var)\s+(\w+)\s*=\s*(?:await\s+)?(?:require|import)\s*\(\s*[\"'](?:node:)?child_process[\"']"
    r"|import\s+(?:\*\s+as\s+)?(\w+)\s+from\s+[\"'](?:node:)?child_process[\"'])"
)
_JS_DESTRUCTURE = re.compile(
    r"(?:const|let|var|import)\s*\{([^}]*)\}\s*(?:=\s*require\s*\(|from)\s*[\"'](?:node:)?child_process[\"']"
)
_SPAWN_METHODS = (
    r"(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput|system|popen|exec\w*|spawn\w*|fork)"
)


def _aliased_calls(code: str) -> list[re.Match[str]]:
    """Calls through an alias: `import subprocess as sp; sp.run(…)`, `from subprocess import run as r`,
    `const { execSync: x } = require("child_process")`."""
    modules = set(_PY_ALIAS.findall(code))
    names: set[str] = set()
    for parenthesized, plain in _PY_FROM.findall(code):
        for part in (parenthesized or plain).split(","):
            words = part.split()
            if words:
                names.add(words[-1])
    for first, second in _JS_ALIAS.findall(code):
        modules.add(first or second)
    for group in _JS_DESTRUCTURE.findall(code):
        for part in group.split(","):
            words = re.split(r"\s*(?::|\bas\b)\s*", part.strip())
            if words and words[-1]:
                names.add(words[-1].strip())
    modules.discard("")
    names = {n for n in names if n.isidentifier()}
    if not modules and not names:
        return []
    alternatives = [rf"{re.escape(m)}\s*\.\s*{_SPAWN_METHODS}" for m in sorted(modules)]
    alternatives += [re.escape(n) for n in sorted(names)]
    pattern = re.compile(r"(?<![\w.$])(?:" + "|".join(alternatives) + r")\s*\(\s*")
    return list(pattern.finditer(code))


def _shell_literal(body: str, what: str, interpolation: str) -> Spawn:
    if interpolation in body:
        return Spawn(None, f"{what} command assembled at run time")
    return Spawn(body, what)


def _delimited(code: str, start: int) -> str | None:
    opening = code[start]
    closing = {"(": ")", "{": "}", "[": "]", "<": ">"}.get(opening, opening)
    end = code.find(closing, start + 1)
    return code[start + 1 : end] if end > start else None


def _awk_pipes(code: str) -> list[Spawn]:
    """`print … | "cmd"` (cmd reads what awk prints), `"cmd" | getline`."""
    found: list[Spawn] = []
    for match in re.finditer(r"\|&?\s*\"([^\"]*)\"", code):
        found.append(Spawn(f"__crane_unseen_input | {match.group(1)}", "awk print | command"))
    for match in re.finditer(r"\"([^\"]*)\"\s*\|&?\s*getline", code):
        found.append(Spawn(match.group(1), "awk command | getline"))
    return found


def _literal_command(code: str, at: int) -> str | None:
    """The command at a call's arguments when written as literals, else None.

    `("cmd …")` and `("cmd …".split())` are shell text; `(["a", "b"])`, `("a", ["b"])`, and
    `("a", "b")` are a program and its arguments. The first non-literal argument (options such
    as `shell=True`, `{stdio: …}`) ends the command; a non-literal first argument, string
    concatenation or interpolation make it unresolved.
    """
    items: list[str | list[str]] = []
    i = at
    while True:
        i = _skip_space(code, i)
        parsed = _literal(code, i)
        if parsed is None:
            break
        value, i = parsed
        if isinstance(value, str) and code.startswith(".split()", i):
            value, i = shlex_split(value), i + len(".split()")
        items.append(value)
        i = _skip_space(code, i)
        if i < len(code) and code[i] == ",":
            i += 1
            continue
        if i >= len(code) or code[i] != ")":
            return None  # `"wran" + "gler"`, `"a" "b"`, `"x" % y`: assembled
        break
    if not items:
        return None
    if i < len(code) and code[i] == "{" and re.match(r"\{[^}]*\bargs\s*:", code[i:]):
        return None  # `new Deno.Command("x", {args: [...]})`: the arguments are in the options
    first = items[0]
    if isinstance(first, str) and (len(items) == 1 or not all(isinstance(x, str) for x in items)):
        if len(items) > 1 and isinstance(items[1], list):
            return shlex.join([first, *items[1]])
        return first
    words: list[str] = []
    for item in items:
        words.extend([item] if isinstance(item, str) else item)
    return shlex.join(words) if words else None


def shlex_split(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


def _skip_space(code: str, i: int) -> int:
    while i < len(code) and code[i] in " \t\r\n":
        i += 1
    return i


def _literal(code: str, i: int) -> tuple[str | list[str], int] | None:
    """A string literal or a list/array literal of string literals at `i`, and the index after it."""
    if i < len(code) and code[i] in "[(" and (code[i] == "[" or code.startswith("(", i)):
        if code[i] == "(":
            return None
        items: list[str] = []
        j = _skip_space(code, i + 1)
        while j < len(code) and code[j] != "]":
            parsed = _string(code, j)
            if parsed is None:
                return None
            items.append(parsed[0])
            j = _skip_space(code, parsed[1])
            if j < len(code) and code[j] == ",":
                j = _skip_space(code, j + 1)
            elif j < len(code) and code[j] != "]":
                return None
        return (items, j + 1) if j < len(code) else None
    return _string(code, i)


def _string(code: str, i: int) -> tuple[str, int] | None:
    match = _STRING.match(code, i)
    if match is None:
        return None
    prefix, quote = match.group("prefix"), match.group("q")
    if "f" in prefix.lower():
        return None
    start = match.end()
    j = start
    out: list[str] = []
    while j < len(code):
        if code.startswith(quote, j):
            text = "".join(out)
            if quote == "`" and "${" in text:
                return None  # a template with interpolation
            return text, j + len(quote)
        char = code[j]
        if char == "\\" and j + 1 < len(code) and "r" not in prefix.lower():
            out.append({"n": "\n", "t": "\t"}.get(code[j + 1], code[j + 1]))
            j += 2
            continue
        if char == "\n" and len(quote) == 1 and quote != "`":
            return None
        out.append(char)
        j += 1
    return None


def language(path_or_program: str, first_line: str = "") -> str | None:
    """The language of a script file or interpreter: python, js, ruby, perl, php, shell, or None."""
    probe = first_line[2:].strip() if first_line.startswith("#!") else ""
    if probe:
        words = probe.split()
        program = words[0].rsplit("/", 1)[-1]
        if program == "env" and len(words) > 1:
            rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
            program = rest[0].rsplit("/", 1)[-1] if rest else ""
        found = _by_program(program)
        if found is not None:
            return found
    name = path_or_program.rsplit("/", 1)[-1].lower()
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    return {
        "py": "python", "pyw": "python", "js": "js", "mjs": "js", "cjs": "js", "ts": "js", "mts": "js",
        "cts": "js", "tsx": "js", "jsx": "js", "rb": "ruby", "pl": "perl", "pm": "perl", "php": "php",
        "sh": "shell", "bash": "shell", "zsh": "shell", "ksh": "shell", "awk": "awk", "vim": "vim",
    }.get(suffix)


def _by_program(program: str) -> str | None:
    program = program.lower()
    if re.fullmatch(r"(?:python|pypy)[0-9.]*|uv|pythonw", program):
        return "python"
    if program in ("node", "nodejs", "deno", "bun", "tsx", "ts-node", "ts-node-esm", "zx", "esno", "esrun"):
        return "js"
    if program in ("ruby", "jruby", "truffleruby"):
        return "ruby"
    if program == "perl" or program.startswith("perl5"):
        return "perl"
    if program == "php":
        return "php"
    if program in ("sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "busybox"):
        return "shell"
    if program in ("awk", "gawk", "mawk", "nawk"):
        return "awk"
    return None


# A string literal (double, single or backtick quoted, no interpolation handling) and a run of them
# separated by commas: `"wrangler", "deploy", "--env", "production"` is one command.
_LITERAL_TEXT = r"(?:\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)"
_LITERAL_RUN = re.compile(rf"{_LITERAL_TEXT}(?:\s*,\s*{_LITERAL_TEXT})*")
MAX_LITERALS = 2000
# Words of code that starts programs, in any language (a `print("wrangler deploy")` alone does not).
_RUNS_SOMETHING = re.compile(
    r"\b(?:system|exec\w*|spawn\w*|popen\w*|run\w*|call|Popen|Command|cmd|shell\w*|process|Process\w*"
    r"|execute|pipeline|proc_open|passthru|Runtime|Kernel|IO|Open3|qx)\b|`|%x"
)


def literal_commands(code: str, programs: frozenset[str]) -> list[str]:
    """Command-like strings in code, whatever calls them: a literal (or a comma-separated run of
    literals) whose first word names one of `programs`. A safety net under `scan`: paren-less
    calls (`system "…"`, `exec "a", "b"`), `open(F, "| …")`, `popen(cmd, mode)`, languages
    crane has no call patterns for (Tcl, Julia, Lisp, Elixir, Groovy, …)."""
    if len(code) > MAX_CODE_CHARS:
        return []
    runs = _RUNS_SOMETHING.search(code) is not None  # else only piped opens (`open(F, "| cmd")`)
    found: list[str] = []
    for match in _LITERAL_RUN.finditer(code):
        if len(found) >= MAX_LITERALS:
            break
        parts = [p[1:-1] for p in re.findall(_LITERAL_TEXT, match.group(0))]
        piped_run = any(p.strip() in ("|-", "-|") for p in parts)  # Perl's `open(F, "|-", "cmd")`
        for candidate in (shlex.join(parts) if len(parts) > 1 else None, *parts):
            if candidate is None:
                continue
            text = candidate.lstrip("|-! \t")
            first = text.split(None, 1)[0] if text.split() else ""
            piped = piped_run or candidate.lstrip().startswith("|") or candidate.rstrip().endswith("|")
            if (runs or piped) and first.rsplit("/", 1)[-1] in programs:
                found.append(text)
    return found
