"""The guard's rules: loaded from the shipped `rules.toml` plus the profile's `[[guard.rules]]`.

Rules are data. This module reads them (TOML), validates them, merges profile rules over
the shipped ones (a profile rule with the same name replaces every shipped entry of that name;
profile rules are tried first) and evaluates one rule against one command's arguments.
The file format is documented at the top of `rules.toml`.

Loading is lazy: the shipped file is cut into its `[[rules]]` / `[programs.*]` entries and an
entry is parsed only when a command runs one of its programs (parsing all of rules.toml costs
more than parsing the command). `shipped_rules()` parses everything at once; the tests use it
to validate the file and to check that both ways agree.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import lru_cache

from crane._record import Record
from crane.errors import ProfileError
from crane.guard.rules.data import programs_of, shipped_document

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any, Literal

    from crane.guard.model import Kind

    TargetMode = Literal["production", "staging", "unknown", "local", "wrangler", "url"]


TARGET_MODES = ("production", "staging", "unknown", "local", "wrangler", "url")
KINDS = ("read", "local_write", "external_write")
CHECKS = ("httpie", "sql")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_LIST_FIELDS = (
    "value_options", "read_options", "write_options", "method_options", "remote_options",
    "url_options", "except",
)
_RULE_FIELDS = frozenset({
    "name", "program", "subcommand", "kind", "target", "check", "description",
    "any_positional", "any_positional_from", "min_positionals", *_LIST_FIELDS,
})
_PROGRAM_FIELDS = frozenset({"value_options", "read_options", "description"})


class RuleError(ValueError):
    """A malformed rule in the shipped file (a bug in crane, caught by the tests)."""


class Rule(Record):
    __slots__ = (
        "name", "programs", "subcommand", "kind", "target", "value_options", "read_options", "write_options",
        "method_options", "remote_options", "url_options", "excepts", "any_positional", "any_positional_from",
        "min_positionals", "check", "description",
    )
    name: str
    programs: frozenset[str]
    subcommand: tuple[str, ...]  # word patterns: "a|b" alternatives, shell globs
    kind: Kind
    target: TargetMode
    value_options: tuple[str, ...]
    read_options: tuple[str, ...]
    write_options: tuple[str, ...]
    method_options: tuple[str, ...]
    remote_options: tuple[str, ...]
    url_options: tuple[str, ...]
    excepts: tuple[tuple[str, ...], ...]
    any_positional: str | None
    any_positional_from: int
    min_positionals: int
    check: str | None
    description: str

    def __init__(
        self,
        name: str,
        programs: frozenset[str],
        subcommand: tuple[str, ...] = (),
        kind: Kind = "external_write",
        target: TargetMode = "unknown",
        value_options: tuple[str, ...] = (),
        read_options: tuple[str, ...] = (),
        write_options: tuple[str, ...] = (),
        method_options: tuple[str, ...] = (),
        remote_options: tuple[str, ...] = (),
        url_options: tuple[str, ...] = (),
        excepts: tuple[tuple[str, ...], ...] = (),
        any_positional: str | None = None,
        any_positional_from: int = 0,
        min_positionals: int = 0,
        check: str | None = None,
        description: str = "",
    ) -> None:
        self._set(
            name=name, programs=programs, subcommand=subcommand, kind=kind, target=target,
            value_options=value_options, read_options=read_options, write_options=write_options,
            method_options=method_options, remote_options=remote_options, url_options=url_options,
            excepts=excepts, any_positional=any_positional, any_positional_from=any_positional_from,
            min_positionals=min_positionals, check=check, description=description,
        )


class ProgramFacts(Record):
    __slots__ = ("value_options", "read_options")
    value_options: tuple[str, ...]
    read_options: tuple[str, ...]

    def __init__(self, value_options: tuple[str, ...] = (), read_options: tuple[str, ...] = ()) -> None:
        self._set(value_options=value_options, read_options=read_options)


class RuleSet:
    """The rules in the order they are tried: the profile's, then the shipped ones not replaced."""

    __slots__ = ("_added", "_replaced", "_source", "_by_program", "_facts")

    def __init__(self, added: tuple[Rule, ...] = (), source: _Source | None = None) -> None:
        self._added = added
        self._replaced = frozenset(rule.name for rule in added)
        self._source = source if source is not None else _shipped_source()
        self._by_program: dict[str, tuple[Rule, ...]] = {}
        self._facts: dict[str, ProgramFacts] = {}

    @property
    def program_names(self) -> frozenset[str]:
        return self._source.program_names | frozenset(p for rule in self._added for p in rule.programs)

    def for_program(self, program: str) -> tuple[Rule, ...]:
        cached = self._by_program.get(program)
        if cached is None:
            shipped = [r for r in self._source.rules_for(program) if r.name not in self._replaced]
            cached = tuple(r for r in self._added if program in r.programs) + tuple(shipped)
            self._by_program[program] = cached
        return cached

    def facts(self, program: str) -> ProgramFacts:
        facts = self._facts.get(program)
        if facts is None:
            facts = self._facts[program] = self._source.facts(program)
        return facts

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule (parses the whole shipped file): for tests and tools, not the hook."""
        return self._added + tuple(r for r in self._source.all_rules() if r.name not in self._replaced)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule.name for rule in self.rules))


# loading -----------------------------------------------------------------------------------

class _Source:
    """The shipped rules, indexed by program; each entry is validated on first use.

    The file is parsed from its bytes once per process (never through crane's parsed-TOML cache,
    which an agent could forge); the session supervisor does that once per session.
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        raw_rules = document.get("rules", [])
        if not isinstance(raw_rules, list) or not all(isinstance(t, dict) for t in raw_rules):
            raise RuleError("rules.toml: `rules` must be an array of tables")
        programs = document.get("programs", {})
        if not isinstance(programs, dict):
            raise RuleError("rules.toml: `programs` must be a table")
        self.rule_tables: list[dict[str, Any]] = raw_rules
        self.program_tables: dict[str, Any] = programs
        self.rule_programs = [programs_of(table) or frozenset() for table in raw_rules]
        self.program_names = frozenset(p for names in self.rule_programs for p in names)
        self._parsed: dict[int, Rule] = {}

    def _rule(self, index: int) -> Rule:
        rule = self._parsed.get(index)
        if rule is None:
            rule = self._parsed[index] = _rule(self.rule_tables[index], f"rules.toml rules[{index}]")
        return rule

    def rules_for(self, program: str) -> list[Rule]:
        return [self._rule(i) for i, names in enumerate(self.rule_programs) if program in names]

    def all_rules(self) -> list[Rule]:
        return [self._rule(i) for i in range(len(self.rule_tables))]

    def facts(self, program: str) -> ProgramFacts:
        table = self.program_tables.get(program)
        if table is None:
            return ProgramFacts()
        return _program_facts(_table(table, f"programs.{program}"), f"programs.{program}")


def _shipped_document() -> dict[str, Any]:
    from crane._toml import TomlError

    try:
        return shipped_document()
    except (TomlError, OSError) as exc:
        raise RuleError(f"rules.toml: {exc}") from None


@lru_cache(maxsize=1)
def _shipped_source() -> _Source:
    return _Source(_shipped_document())


def shipped_rules() -> RuleSet:
    """The shipped rules, every entry parsed and validated now (the whole file)."""
    document = _shipped_document()
    for name, table in _table(document.get("programs", {}), "programs").items():
        _program_facts(table, f"programs.{name}")
    raw_rules = document.get("rules", [])
    if not isinstance(raw_rules, list):
        raise RuleError("rules.toml: `rules` must be an array of tables")
    for i, table in enumerate(raw_rules):
        _rule(table, f"rules[{i}]")
    rules = RuleSet()
    rules.rules  # noqa: B018 - parse every entry the lazy way too
    return rules


def load_rules(extra: Sequence[Mapping[str, Any]] = (), source: str = "(profile)") -> RuleSet:
    """The shipped rules with the profile's rules merged in (profile first, same name replaces)."""
    added: list[Rule] = []
    for i, table in enumerate(extra):
        try:
            added.append(_rule(table, f"guard.rules[{i}]"))
        except RuleError as exc:
            raise ProfileError(source, str(exc)) from None
    return RuleSet(tuple(added))


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RuleError(f"{where}: must be a table")
    return value


def _strings(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise RuleError(f"{where}: must be a string or a list of non-empty strings")


def _program_facts(table: object, where: str) -> ProgramFacts:
    data = _table(table, where)
    unknown = set(data) - _PROGRAM_FIELDS
    if unknown:
        raise RuleError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    return ProgramFacts(
        value_options=_strings(data.get("value_options", []), f"{where}.value_options"),
        read_options=_strings(data.get("read_options", []), f"{where}.read_options"),
    )


def _rule(table: object, where: str) -> Rule:
    data = _table(table, where)
    unknown = set(data) - _RULE_FIELDS
    if unknown:
        allowed = ", ".join(sorted(_RULE_FIELDS))
        raise RuleError(f"{where}: unknown field {sorted(unknown)[0]!r} (allowed: {allowed})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"{where}.name: required, a non-empty string")
    where = f"{where} ({name})"
    if "program" not in data:
        raise RuleError(f"{where}.program: required")
    programs = frozenset(p.lower() for p in _strings(data["program"], f"{where}.program"))
    subcommand = data.get("subcommand", "")
    if not isinstance(subcommand, str):
        raise RuleError(f"{where}.subcommand: must be a string of space-separated words")
    kind = data.get("kind", "external_write")
    if kind not in KINDS:
        raise RuleError(f"{where}.kind: must be one of {', '.join(KINDS)}")
    target = data.get("target", "local" if kind == "local_write" else "unknown")
    if target not in TARGET_MODES:
        raise RuleError(f"{where}.target: must be one of {', '.join(TARGET_MODES)}")
    check = data.get("check")
    if check is not None and check not in CHECKS:
        raise RuleError(f"{where}.check: must be one of {', '.join(CHECKS)}")
    lists = {key: _strings(data.get(key, []), f"{where}.{key}") for key in _LIST_FIELDS}
    return Rule(
        name=name,
        programs=programs,
        subcommand=tuple(subcommand.split()),
        kind=kind,
        target=target,
        value_options=lists["value_options"],
        read_options=lists["read_options"],
        write_options=lists["write_options"],
        method_options=lists["method_options"],
        remote_options=lists["remote_options"],
        url_options=lists["url_options"],
        excepts=tuple(tuple(entry.split()) for entry in lists["except"]),
        any_positional=_optional_str(data.get("any_positional"), f"{where}.any_positional"),
        any_positional_from=_int(data.get("any_positional_from", 0), f"{where}.any_positional_from"),
        min_positionals=_int(data.get("min_positionals", 0), f"{where}.min_positionals"),
        check=check,
        description=str(data.get("description", "")),
    )


def _optional_str(value: object, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise RuleError(f"{where}: must be a string")


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(f"{where}: must be an integer")
    return value


# arguments ---------------------------------------------------------------------------------


class Arg(Record):
    """One argument word: its value, or None when computed at run time."""

    __slots__ = ("value", "raw")
    value: str | None
    raw: str

    def __init__(self, value: str | None, raw: str) -> None:
        self._set(value=value, raw=raw)


class Option(Record):
    __slots__ = ("name", "value")
    name: str  # "--env", "-e", "-X"
    value: Arg | None  # None for a flag; an Arg with value None when computed

    def __init__(self, name: str, value: Arg | None) -> None:
        self._set(name=name, value=value)


class ParsedArgs(Record):
    __slots__ = ("options", "positionals", "dynamic")
    options: tuple[Option, ...]
    positionals: tuple[Arg, ...]
    dynamic: bool  # some word is computed at run time: it could be any option or argument

    def __init__(self, options: tuple[Option, ...], positionals: tuple[Arg, ...], dynamic: bool) -> None:
        self._set(options=options, positionals=positionals, dynamic=dynamic)

    def has(self, patterns: Iterable[str]) -> bool:
        wanted = tuple(patterns)
        plain = {p for p in wanted if not any(c in p for c in "*?[=")}
        if plain and any(o.name in plain for o in self.options):
            return True
        rest = [p for p in wanted if p not in plain]
        return bool(rest) and any(option_matches(o, p) for o in self.options for p in rest)

    def values(self, patterns: Iterable[str]) -> list[Arg]:
        wanted = tuple(patterns)
        return [o.value for o in self.options if o.value is not None and any(fnmatchcase(o.name, p) for p in wanted)]


def option_matches(option: Option, pattern: str) -> bool:
    """`--data*` matches the option name; `--dry-run=client` also needs that value."""
    name, eq, value = pattern.partition("=")
    if not fnmatchcase(option.name, name):
        return False
    if not eq:
        return True
    return option.value is not None and option.value.value is not None and fnmatchcase(option.value.value, value)


def _takes_value(name: str, value_options: Sequence[str]) -> bool:
    return any(fnmatchcase(name, p) for p in value_options)


def parse_args(words: Sequence[Arg], value_options: Sequence[str]) -> ParsedArgs:
    """Split arguments into options and positionals, GNU/yargs style.

    `--opt=v`, `--opt v` (when `--opt` takes a value), `-e v`, `-ev`, `-e=v` (yargs), clusters of
    one-letter flags (`-sSL`; a value option inside a cluster takes the rest, as curl's `-sXPOST`),
    `--` ends the options. A word computed at run time is kept as a positional and marks the
    arguments as dynamic: it could be any option at all.
    """
    options: list[Option] = []
    positionals: list[Arg] = []
    dynamic = False
    ended = False
    i = 0
    while i < len(words):
        word = words[i]
        value = word.value
        nxt = words[i + 1] if i + 1 < len(words) else None
        i += 1
        if value is None:
            dynamic = True
            named = None if ended else re.match(r"(--?[A-Za-z][A-Za-z0-9-]*)=", word.raw)
            if named:  # `--env=$TARGET`: that option, with a value computed at run time
                options.append(Option(named.group(1), Arg(None, word.raw)))
            else:
                positionals.append(word)
        elif ended or value == "-" or not value.startswith("-"):
            positionals.append(word)
        elif value == "--":
            ended = True
        elif value.startswith("--"):
            name, eq, inline = value.partition("=")
            if eq:
                options.append(Option(name, Arg(inline, inline)))
            elif _takes_value(name, value_options) and nxt is not None:
                options.append(Option(name, nxt))
                i += 1
            else:
                options.append(Option(name, None))
        else:
            i += _short_options(value, nxt, value_options, options)
    return ParsedArgs(tuple(options), tuple(positionals), dynamic)


def _short_options(value: str, nxt: Arg | None, value_options: Sequence[str], out: list[Option]) -> int:
    """Options from one `-…` word; returns 1 when the next word was used as a value."""
    whole, eq, inline = value.partition("=")
    if _takes_value(whole, value_options):
        # `-e production`, `-e=production`, and single-dash long forms such as `-var-file x`
        if eq:
            out.append(Option(whole, Arg(inline, inline)))
            return 0
        if nxt is not None:
            out.append(Option(whole, nxt))
            return 1
        out.append(Option(whole, None))
        return 0
    # Single-dash long options (`-chdir=dir`, `-auto-approve`, find's `-delete`) keep their name.
    out.append(Option(whole, Arg(inline, inline) if eq else None))
    letters = value[1:]
    # A cluster of one-letter flags, possibly ending in a value option that takes the rest of the
    # word whatever it holds (curl's `-HHost:api.example.com`, `-sHHost:x`). Anything else that is
    # not a letter or digit makes the word no cluster at all (`-chdir=dir`: no `-h` read from it).
    flags: list[Option] = []
    for index, letter in enumerate(letters):
        name = "-" + letter
        if not (letter.isalnum() or letter == "-"):
            return 0
        if _takes_value(name, value_options):
            out.extend(flags)
            rest = letters[index + 1 :].removeprefix("=")
            if rest:
                out.append(Option(name, Arg(rest, rest)))
                return 0
            out.append(Option(name, nxt))
            return 1 if nxt is not None else 0
        if len(letters) > 1:
            flags.append(Option(name, None))
    out.extend(flags)
    return 0


# evaluation --------------------------------------------------------------------------------


def word_matches(pattern: str, value: str) -> bool:
    return any(fnmatchcase(value, alternative) for alternative in pattern.split("|"))


class Verdict(Record):
    """What one rule says about one command: `kind` plus the facts the target needs."""

    __slots__ = ("rule", "kind", "args", "why")
    rule: Rule
    kind: Kind
    args: ParsedArgs
    why: str

    def __init__(self, rule: Rule, kind: Kind, args: ParsedArgs, why: str = "") -> None:
        self._set(rule=rule, kind=kind, args=args, why=why)


def evaluate(
    rule: Rule,
    words: Sequence[Arg],
    facts: ProgramFacts,
    *,
    has_stdin: bool = False,
    unseen_args: bool = False,
) -> Verdict | None:
    """The rule's verdict on `words` (the arguments after the program), or None if it does not apply.

    A verdict of kind "read" stops the search (e.g. `--dry-run`); None lets later rules try.
    `unseen_args`: more arguments follow that cannot be seen (xargs): any option may be among them.
    """
    args = parse_args(words, (*facts.value_options, *rule.value_options))
    if unseen_args and not args.dynamic:
        args = ParsedArgs(args.options, args.positionals, True)
    rest = _after_subcommand(rule, args, unseen=unseen_args)
    if rest is None:
        return None
    read = Verdict(rule, "read", args)
    value_options = (*facts.value_options, *rule.value_options)
    if _excepted(rule, rest) or reads_by_option(words, args, (*facts.read_options, *rule.read_options), value_options):
        return read
    if rule.min_positionals and len(rest) < rule.min_positionals and not args.dynamic:
        return None
    if rule.any_positional is not None and not _any_positional(rule, rest):
        return None
    decided = _by_method(rule, args)
    if decided is False:
        return read
    if rule.check is not None:
        checked = _check(rule, args, has_stdin)
        if checked is None:
            return None
        if checked == "read":
            return read
    elif decided is None and rule.write_options and not (args.has(rule.write_options) or args.dynamic):
        return None
    if rule.remote_options and not (args.has(rule.remote_options) or args.dynamic):
        return Verdict(rule, "local_write", args, f"no {rule.remote_options[0]}: local")
    return Verdict(rule, rule.kind, args)


_FALSE_WORDS = frozenset({"false", "0", "no", "off"})
_BOOL_WORDS = _FALSE_WORDS | {"true", "1", "yes", "on"}


def reads_by_option(words: Sequence[Arg], args: ParsedArgs, patterns: Sequence[str], value_options: Sequence[str]
                    ) -> bool:
    """Do the read options (`--dry-run`, `--help`) really make this call a read?

    Patterns with a value (`--dry-run=client`) must match it. A plain flag counts only while it
    is really on, read the way yargs and most parsers do: the last of `--dry-run`, `--no-dry-run`,
    `--dry-run=false` (any value but `true` is false), `--dry-run false|0|no|off` wins; a word
    computed at run time could be `--no-dry-run`, so it turns the flag off.
    """
    valued = [p for p in patterns if "=" in p]
    if valued and args.has(valued):
        return True
    plain = [p for p in patterns if "=" not in p]
    if not plain:
        return False
    on = False
    i = 0
    while i < len(words):
        value = words[i].value
        nxt = words[i + 1].value if i + 1 < len(words) else None
        i += 1
        if value is None:
            on = False
            continue
        if value == "--":
            break
        if not value.startswith("-") or value == "-":
            continue
        name, eq, inline = value.partition("=")
        if name.startswith("--no-") and _takes_value("--" + name[5:], plain):
            on = False
        elif _takes_value(name, plain):
            if eq:
                on = inline == "true"  # yargs: any other value, `TRUE` and `1` included, is false
            elif nxt is not None and nxt.lower() in _BOOL_WORDS:
                on = nxt == "true"
                i += 1
            else:
                on = True
        elif not eq and _takes_value(name, value_options):
            i += 1  # the next word is this option's value
        elif not eq and not name.startswith("--") and len(name) > 2 and name[1:].isalnum():
            for index, letter in enumerate(name[1:]):  # a cluster: `-sG`, `-nv`
                if _takes_value("-" + letter, plain):
                    on = True
                elif _takes_value("-" + letter, value_options):
                    i += 1 if index == len(name) - 2 else 0
                    break
    return on


def _after_subcommand(rule: Rule, args: ParsedArgs, *, unseen: bool = False) -> tuple[Arg, ...] | None:
    positionals = args.positionals
    if len(positionals) < len(rule.subcommand):
        if not unseen:
            return None
        # `echo deploy --env production | xargs wrangler`: the missing subcommand words come
        # from the input; the rule applies if the visible ones fit.
        positionals = (*positionals, *(Arg(None, "{}") for _ in range(len(rule.subcommand) - len(positionals))))
    for pattern, word in zip(rule.subcommand, positionals, strict=False):
        # A computed word may be any subcommand: assume the worst.
        if word.value is not None and not word_matches(pattern, word.value):
            return None
    return positionals[len(rule.subcommand) :]


def _excepted(rule: Rule, rest: Sequence[Arg]) -> bool:
    for sequence in rule.excepts:
        if len(rest) < len(sequence):
            continue
        if all(w.value is not None and word_matches(p, w.value) for p, w in zip(sequence, rest, strict=False)):
            return True
    return False


def _any_positional(rule: Rule, rest: Sequence[Arg]) -> bool:
    pattern = rule.any_positional or "*"
    candidates = rest[rule.any_positional_from :]
    return any(w.value is None or word_matches(pattern, w.value) for w in candidates)


def _by_method(rule: Rule, args: ParsedArgs) -> bool | None:
    """True/False when an explicit HTTP method decides write/read; None when there is none."""
    if not rule.method_options:
        return None
    methods = args.values(rule.method_options)
    if not methods:
        return None
    last = methods[-1].value
    return last is None or last.upper() not in READ_METHODS


def _check(rule: Rule, args: ParsedArgs, has_stdin: bool) -> Literal["read", "write"] | None:
    if rule.check == "httpie":
        return _httpie(args, has_stdin)
    if rule.check == "sql":
        return "read" if _read_only_sql(args) else "write"
    return "write"


# httpie: `http [METHOD] URL [ITEM ...]`; data items (`a=b`, `a:=1`, `f@file`) make it a POST.
_METHOD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def httpie_parts(args: ParsedArgs) -> tuple[Arg | None, Arg | None, tuple[Arg, ...]]:
    """(method, url, items) of an httpie command line."""
    pos = args.positionals
    if len(pos) >= 2 and pos[0].value is not None and pos[0].value and set(pos[0].value) <= _METHOD_CHARS:
        return pos[0], pos[1], pos[2:]
    if not pos:
        return None, None, ()
    return None, pos[0], pos[1:]


def _httpie(args: ParsedArgs, has_stdin: bool) -> Literal["read", "write"] | None:
    method, _url, items = httpie_parts(args)
    if method is not None and method.value is not None:
        return "read" if method.value.upper() in READ_METHODS else "write"
    if args.dynamic or any(_httpie_data_item(item) for item in items):
        return "write"
    if has_stdin and not args.has(("--ignore-stdin", "-I")):
        return "write"  # httpie sends piped stdin as the body of a POST
    return None


def _httpie_data_item(item: Arg) -> bool:
    value = item.value
    if value is None:
        return True
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\":
            index += 2  # an escaped separator is part of the name
            continue
        if char in ":=@":
            # `q==x` is a query parameter and `Name:value` a header; `a=b`, `a:=1`, `f@file` are data.
            separator = value[index : index + 2]
            return separator != "==" and (char != ":" or separator == ":=")
        index += 1
    return False


# SQL that only reads, for `wrangler d1 execute --command`: deliberately narrow.
_SQL_WRITE_WORDS = (
    "insert", "update", "delete", "drop", "create", "alter", "replace", "attach", "detach",
    "vacuum", "reindex", "pragma", "truncate", "upsert", "grant", "revoke", "begin", "commit",
)


def read_only_sql(args: ParsedArgs) -> bool:
    """One read-only SELECT in `--command` (for rules, and for MCP query tools)."""
    return _read_only_sql(args)


def _read_only_sql(args: ParsedArgs) -> bool:
    commands = args.values(("--command",))
    if len(commands) != 1 or args.has(("--file",)) or args.dynamic:
        return False
    sql = commands[0].value
    if sql is None:
        return False
    lowered = sql.lower()
    statements = [s.strip() for s in lowered.split(";") if s.strip()]
    if not statements or not all(re.match(r"(select|explain|with)\b", s) for s in statements):
        return False
    return not any(re.search(rf"\b{word}\b", lowered) for word in _SQL_WRITE_WORDS)
