"""Shell syntax for the guard: parse a command with tree-sitter-bash into a small typed tree.

The analyser (`crane.guard.see.analyse`) never sees tree-sitter nodes, only these statements:

- `Command`: one simple command, its inline assignments (`A=1 cmd`), its words and redirects;
- `Block`: statements run one after another; `scope` says whether changes they make (`cd`,
  `export`) leak out (`sequence`), stay inside (`subshell`, e.g. `( )`, `$( )`, pipeline stages)
  or may or may not happen (`conditional`: `if`/`case`/loop/function bodies);
- `Pipeline`: stages joined by `|`, each reading the previous one's output;
- `Problem`: something the guard cannot reason about (parse error, too complex).

A `Word` carries its value after quote removal when the value is fixed in the text, or `None`
when any part of it is computed at run time (`$X`, `$(…)`, `$'…'`, arithmetic).

`tree_sitter` is imported inside `parse()` only: the hook's common path never loads it.
Caps on input size, node count and nesting turn pathological input into a `Problem` instead
of a hang or a RecursionError (a nested-`$(` payload hung another guard until its timeout).
"""

from __future__ import annotations

import re
import threading

from crane._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, Literal

    from tree_sitter import Node, Parser

    Scope = Literal["sequence", "subshell", "conditional"]
    Form = Literal["simple", "declare", "unset", "assign"]

MAX_SOURCE_CHARS = 256 * 1024
MAX_NODES = 40_000
MAX_NESTING = 100

CANNOT_PARSE = "cannot parse command"
TOO_COMPLEX = "too complex to analyse"

GLOB_CHARS = frozenset("*?[{")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Word(Record):
    __slots__ = ("value", "raw", "glob")
    value: str | None  # after quote removal; None when computed at run time
    raw: str  # as written
    glob: bool  # unquoted `* ? [ {`: the shell may expand it into other words

    def __init__(self, value: str | None, raw: str, glob: bool = False) -> None:
        self._set(value=value, raw=raw, glob=glob)


def joined(words: Sequence[Word]) -> Word:
    """The words a shell runs joined by spaces (`sh -c "$*"`); computed parts stay computed."""
    raw = " ".join(w.raw for w in words)
    if all(w.value is not None for w in words):
        return Word(" ".join(w.value or "" for w in words), raw)
    return Word(raw, raw)


class Redirect(Record):
    __slots__ = ("op", "target", "fd", "body", "is_input_text")
    op: str  # ">", ">>", "&>", ">&", "<", "<<", "<<-", "<<<", ...
    target: Word | None  # file or descriptor; None for heredocs
    fd: str | None  # explicit descriptor, e.g. "2" in `2>&1`
    body: str | None  # heredoc/herestring text; None if computed at run time
    is_input_text: bool  # a heredoc or herestring: `body` is what the command reads

    def __init__(
        self, op: str, target: Word | None, fd: str | None = None, body: str | None = None, is_input_text: bool = False
    ) -> None:
        self._set(op=op, target=target, fd=fd, body=body, is_input_text=is_input_text)


class Command(Record):
    __slots__ = ("words", "assignments", "redirects", "text", "form")
    words: tuple[Word, ...]
    assignments: tuple[tuple[str, Word], ...]
    redirects: tuple[Redirect, ...]
    text: str
    # simple: `cmd args`; declare: export/declare/local/readonly/typeset; unset; assign: `A=1` alone
    form: Form

    def __init__(
        self,
        words: tuple[Word, ...],
        assignments: tuple[tuple[str, Word], ...] = (),
        redirects: tuple[Redirect, ...] = (),
        text: str = "",
        form: Form = "simple",
    ) -> None:
        self._set(words=words, assignments=assignments, redirects=redirects, text=text, form=form)

    @property
    def stdin_text(self) -> tuple[bool, str | None]:
        """(has a heredoc/herestring, its text or None when computed)."""
        for redirect in reversed(self.redirects):
            if redirect.is_input_text:
                return True, redirect.body
        return False, None


class Block(Record):
    __slots__ = ("items", "scope", "redirects", "function")
    items: tuple[Stmt, ...]
    scope: Scope
    redirects: tuple[Redirect, ...]  # on a compound statement: `{ …; } > f`, `while …; done <<EOF`
    function: str  # the name, when this block is a function body (`deploy() { …; }`)

    def __init__(
        self, items: tuple[Stmt, ...], scope: Scope = "sequence", redirects: tuple[Redirect, ...] = (),
        function: str = "",
    ) -> None:
        self._set(items=items, scope=scope, redirects=redirects, function=function)


class Pipeline(Record):
    __slots__ = ("stages",)
    stages: tuple[Stmt, ...]

    def __init__(self, stages: tuple[Stmt, ...]) -> None:
        self._set(stages=stages)


class Problem(Record):
    __slots__ = ("reason", "text")
    reason: str
    text: str

    def __init__(self, reason: str, text: str) -> None:
        self._set(reason=reason, text=text)


if TYPE_CHECKING:
    Stmt = Command | Block | Pipeline | Problem


class _TooComplex(Exception):
    pass


_PARSER: list[Parser] = []
# The session supervisor classifies calls in threads; a tree-sitter Parser is not safe to share
# between concurrent parses, so one parse at a time (a parse takes microseconds).
_PARSE_LOCK = threading.Lock()


def _parser() -> Parser:
    # One parser per process: building the Language costs more than a parse. Call with the lock.
    if not _PARSER:
        try:
            _PARSER.append(_fast_parser())
        except Exception:  # any surprise in the shortcut: take the documented way
            import tree_sitter_bash
            from tree_sitter import Language, Parser

            _PARSER.append(Parser(Language(tree_sitter_bash.language())))
    return _PARSER[0]


def _fast_parser() -> Parser:
    """The parser, built from the two C extensions without running their packages' __init__.

    `import tree_sitter` loads `typing` and `import tree_sitter_bash` loads `importlib.resources`
    (with pathlib, tempfile, shutil): together about 6 ms of the hook's 10 ms parse path, for
    names the guard never uses. The extensions are registered under their usual module names,
    so a later ordinary import of either package shares them.
    """
    import os
    import sys
    from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader
    from importlib.util import find_spec, module_from_spec, spec_from_loader

    def extension(package: str) -> Any:
        name = f"{package}._binding"
        if name in sys.modules:
            return sys.modules[name]
        spec = find_spec(package)  # locates the package without executing it
        for directory in (spec.submodule_search_locations or []) if spec is not None else []:
            for suffix in EXTENSION_SUFFIXES:
                path = os.path.join(directory, "_binding" + suffix)
                if os.path.isfile(path):
                    loader = ExtensionFileLoader(name, path)
                    module_spec = spec_from_loader(name, loader, origin=path)
                    if module_spec is None:
                        break
                    module = module_from_spec(module_spec)
                    loader.exec_module(module)
                    sys.modules[name] = module
                    return module
        raise ImportError(f"no extension module for {name}")

    core = extension("tree_sitter")
    bash = extension("tree_sitter_bash")
    parser: Parser = core.Parser(core.Language(bash.language()))
    return parser


def parse(source: str) -> Block:
    """The statements of `source`; parse errors and caps show up as `Problem` items.

    A `Problem` for the whole text carries the whole text: the analyser scans all of it for
    production mentions (padding must not push `--env production` out of sight).
    """
    if len(source) > MAX_SOURCE_CHARS:
        return Block((Problem(TOO_COMPLEX, source),))
    if "\x00" in source:
        # A NUL byte: the shell would truncate the text or refuse it, tree-sitter reads on. Unanalysable.
        return Block((Problem(CANNOT_PARSE, source),))
    if not source.isascii():
        # tree-sitter-bash 0.25.1 can crash (SIGSEGV) on some characters beyond U+FFFF after a
        # `{` (e.g. "{\U00100000"). To bash they are plain word characters, as is U+FFFD.
        source = _ASTRAL.sub("\ufffd", source)
    data = source.encode("utf-8", "replace")
    with _PARSE_LOCK:
        tree = _parser().parse(data)
    root = tree.root_node
    converter = _Converter()
    try:
        body = converter.block(root, 0, "sequence")
    except (_TooComplex, RecursionError):
        return Block((Problem(TOO_COMPLEX, source),))
    if root.has_error:
        # Keep what did parse: a production deploy next to a syntax error is still a production deploy.
        # (The ERROR nodes inside keep a short text: this whole-text Problem covers their mentions.)
        return Block((Problem(CANNOT_PARSE, source), body))
    return body


def _text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


# Node types that are statements (things that run), as opposed to parts of words.
_STATEMENT_TYPES = frozenset({
    "command", "declaration_command", "unset_command", "variable_assignment", "variable_assignments",
    "list", "pipeline", "subshell", "compound_statement", "redirected_statement", "negated_command",
    "if_statement", "elif_clause", "else_clause", "while_statement", "for_statement",
    "c_style_for_statement", "case_statement", "case_item", "function_definition", "do_group",
    "test_command", "program", "ERROR",
})
_CONDITIONAL_TYPES = frozenset({
    "if_statement", "elif_clause", "else_clause", "while_statement", "for_statement",
    "c_style_for_statement", "case_statement", "case_item", "function_definition",
})
_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
_DYNAMIC_WORDS = frozenset({
    "simple_expansion", "expansion", "command_substitution", "process_substitution",
    "arithmetic_expansion", "ansi_c_string", "translated_string", "brace_expression",
})


class _Converter:
    """tree-sitter nodes -> `Stmt`, counting nodes so that no input can make it run away."""

    def __init__(self) -> None:
        self.count = 0

    def _tick(self, depth: int) -> None:
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_NESTING:
            raise _TooComplex

    # statements -----------------------------------------------------------------------------

    def stmt(self, node: Node, depth: int) -> Stmt:
        self._tick(depth)
        kind = node.type
        if kind == "command":
            return self.command(node, depth)
        if kind in ("declaration_command", "unset_command"):
            return self.declaration(node, depth)
        if kind in ("variable_assignment", "variable_assignments"):
            return self.assignment(node, depth)
        if kind == "pipeline":
            return self.pipeline(node, depth)
        if kind == "redirected_statement":
            return self.redirected(node, depth)
        if kind == "subshell":
            return self.block(node, depth, "subshell")
        if kind == "function_definition":
            # Analysed where it is defined (it may run from anywhere) and again where it is called.
            name_node = node.child_by_field_name("name")
            body = self.block(node, depth, "conditional")
            return Block(body.items, body.scope, body.redirects, _text(name_node) if name_node is not None else "")
        if kind in _CONDITIONAL_TYPES:
            return self.block(node, depth, "conditional")
        if kind == "ERROR":
            return Block((Problem(CANNOT_PARSE, _text(node)[:200]), self.block(node, depth, "sequence")))
        return self.block(node, depth, "sequence")

    def block(self, node: Node, depth: int, scope: Scope) -> Block:
        items: list[Stmt] = []
        if node.type == "for_statement":
            # `for X in …` / `select X in …` assign X on each pass: a value known only at run time.
            variable = node.child_by_field_name("variable")
            if variable is not None:
                name = _text(variable)
                items.append(Command((), ((name, Word(None, name)),), (), _text(node)[:200], "assign"))
        for child in node.children:
            if child.type in _STATEMENT_TYPES:
                items.append(self.stmt(child, depth + 1))
            elif child.type != "comment":
                items.extend(self.substitutions(child, depth + 1))
        return Block(tuple(items), scope)

    def pipeline(self, node: Node, depth: int) -> Stmt:
        stages = [self.stmt(c, depth + 1) for c in node.children if c.type in _STATEMENT_TYPES]
        return Pipeline(tuple(stages))

    def command(self, node: Node, depth: int) -> Stmt:
        pre: list[Stmt] = []
        words: list[Word] = []
        assignments: list[tuple[str, Word]] = []
        redirects: list[Redirect] = []
        for child in node.children:
            kind = child.type
            if kind == "variable_assignment":
                assignments.append(self.assign_pair(child, depth + 1))
            elif kind == "command_name":
                words.extend(self.word(c, depth + 1) for c in child.children)
            elif kind in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                redirect, _ = self.redirect(child, depth + 1)
                redirects.append(redirect)
            elif kind == "comment" or not child.is_named:
                continue
            else:
                words.append(self.word(child, depth + 1))
            pre.extend(self.substitutions(child, depth + 1))
        cmd = Command(tuple(words), tuple(assignments), tuple(redirects), _text(node))
        return Block((*pre, cmd)) if pre else cmd

    def declaration(self, node: Node, depth: int) -> Stmt:
        pre: list[Stmt] = []
        words: list[Word] = []
        assignments: list[tuple[str, Word]] = []
        for child in node.children:
            if child.type == "variable_assignment":
                assignments.append(self.assign_pair(child, depth + 1))
            elif child.type == "variable_name":
                words.append(Word(_text(child), _text(child)))
            elif child.type != "comment":
                words.append(self.word(child, depth + 1))
            pre.extend(self.substitutions(child, depth + 1))
        form: Form = "unset" if node.type == "unset_command" else "declare"
        cmd = Command(tuple(words), tuple(assignments), (), _text(node), form)
        return Block((*pre, cmd)) if pre else cmd

    def assignment(self, node: Node, depth: int) -> Stmt:
        nodes = [node] if node.type == "variable_assignment" else node.named_children
        pairs = [self.assign_pair(n, depth + 1) for n in nodes if n.type == "variable_assignment"]
        pre = [s for n in nodes for s in self.substitutions(n, depth + 1)]
        cmd = Command((), tuple(pairs), (), _text(node), "assign")
        return Block((*pre, cmd)) if pre else cmd

    def assign_pair(self, node: Node, depth: int) -> tuple[str, Word]:
        self._tick(depth)
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = _text(name_node) if name_node is not None else ""
        if _text(node)[len(name) : len(name) + 2] == "+=":
            # `X+=more` appends to whatever X holds: computed.
            return name, Word(None, _text(node))
        if value_node is None:
            return name, Word("", "")
        return name, self.word(value_node, depth + 1)

    def redirected(self, node: Node, depth: int) -> Stmt:
        body: Stmt | None = None
        body_type = ""
        pre: list[Stmt] = []
        redirects: list[Redirect] = []
        tails: list[Stmt] = []
        for child in node.children:
            if child.type in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                redirect, tail = self.redirect(child, depth + 1)
                redirects.append(redirect)
                tails.extend(tail)
                pre.extend(self.substitutions(child, depth + 1))
            elif child.type in _STATEMENT_TYPES and body is None:
                body = self.stmt(child, depth + 1)
                body_type = child.type
        merged = self.attach(body, tuple(redirects), body_type)
        return self.with_tails(Block((*pre, merged)) if pre else merged, tails)

    @classmethod
    def attach(cls, body: Stmt | None, redirects: tuple[Redirect, ...], body_type: str) -> Stmt:
        """Put redirects where bash applies them.

        tree-sitter hangs `a && b | bash <<EOF` on the whole list or pipeline, but the heredoc is
        the last command's stdin. On a compound statement (`{ …; }`, `( … )`, `while …; done`)
        they apply to everything inside.
        """
        if body is None:
            return Command((), (), redirects, "", "simple")
        if isinstance(body, Command):
            return Command(body.words, body.assignments, body.redirects + redirects, body.text, body.form)
        if body_type in ("list", "pipeline", "command", "redirected_statement"):
            if isinstance(body, Pipeline) and body.stages:
                return Pipeline((*body.stages[:-1], cls.attach(body.stages[-1], redirects, "command")))
            if isinstance(body, Block) and body.scope == "sequence" and body.items:
                last = body.items[-1]
                inner = "list" if isinstance(last, Pipeline | Block) else "command"
                return Block((*body.items[:-1], cls.attach(last, redirects, inner)), body.scope, body.redirects)
        if isinstance(body, Block):
            return Block(body.items, body.scope, body.redirects + redirects, body.function)
        return Block((body,), "sequence", redirects)

    @staticmethod
    def with_tails(head: Stmt, tails: list[Stmt]) -> Stmt:
        # tree-sitter puts what follows a heredoc start on the same line (`cat <<EOF | bash`,
        # `bash <<EOF && echo ok`) inside the heredoc redirect; put it back in order.
        result = head
        for tail in tails:
            result = Pipeline((result, *tail.stages)) if isinstance(tail, Pipeline) else Block((result, tail))
        return result

    def redirect(self, node: Node, depth: int) -> tuple[Redirect, list[Stmt]]:
        self._tick(depth)
        if node.type == "heredoc_redirect":
            return self.heredoc(node, depth)
        op = ""
        fd: str | None = None
        target: Word | None = None
        for child in node.children:
            if child.type == "file_descriptor":
                fd = _text(child)
            elif not child.is_named:
                op = op or _text(child)
            elif node.child_by_field_name("destination") == child or target is None:
                target = self.word(child, depth + 1)
        if node.type == "herestring_redirect":
            body = target.value if target is not None else None
            return Redirect("<<<", None, fd, None if body is None else body + "\n", True), []
        return Redirect(op, target, fd), []

    def heredoc(self, node: Node, depth: int) -> tuple[Redirect, list[Stmt]]:
        op = "<<"
        body: str | None = ""
        tails: list[Stmt] = []
        for child in node.children:
            kind = child.type
            if kind in ("<<", "<<-"):
                op = kind
            elif kind == "heredoc_body":
                body = _text(child)
            elif kind in _STATEMENT_TYPES:
                tails.append(self.stmt(child, depth + 1))
        return Redirect(op, None, None, body, True), tails

    # words ----------------------------------------------------------------------------------

    def substitutions(self, node: Node, depth: int) -> list[Stmt]:
        """Commands run by `$( )`, backticks and `<( )` anywhere inside `node`."""
        found: list[Stmt] = []
        stack = [(node, depth)]
        while stack:
            current, level = stack.pop()
            self._tick(level)
            if current.type in _SUBSTITUTIONS:
                found.append(self.block(current, level + 1, "subshell"))
                continue
            if current.type in _STATEMENT_TYPES and current is not node:
                found.append(self.stmt(current, level + 1))
                continue
            children = current.children
            if current.type == "heredoc_redirect":
                # Statements after a heredoc start are tails (see `heredoc`); only the body expands.
                children = [c for c in children if c.type == "heredoc_body"]
            stack.extend((c, level + 1) for c in reversed(children))
        return found

    def word(self, node: Node, depth: int) -> Word:
        self._tick(depth)
        value, glob = self.static_value(node, depth)
        return Word(value, _text(node), glob)

    def static_value(self, node: Node, depth: int) -> tuple[str | None, bool]:
        self._tick(depth)
        kind = node.type
        raw = _text(node)
        if kind in ("word", "extglob_pattern"):
            return _unquoted(raw)
        if kind == "number":
            return raw, False
        if kind == "raw_string":
            return (raw[1:-1], False) if len(raw) >= 2 and raw.endswith("'") else (None, False)
        if kind == "string":
            return self.double_quoted(node, depth)
        if kind == "concatenation":
            parts: list[str] = []
            glob = False
            for child in node.children:
                value, child_glob = self.static_value(child, depth + 1)
                glob = glob or child_glob
                if value is None:
                    return None, glob
                parts.append(value)
            return "".join(parts), glob
        if kind in _DYNAMIC_WORDS:
            return None, kind == "brace_expression"
        return None, False

    def double_quoted(self, node: Node, depth: int) -> tuple[str | None, bool]:
        parts: list[str] = []
        for child in node.children:
            self._tick(depth + 1)
            if child.type == '"':
                continue
            if child.type != "string_content":
                return None, False
            parts.append(_unescape_double(_text(child)))
        return "".join(parts), False


def _unquoted(raw: str) -> tuple[str, bool]:
    """An unquoted word's value: backslash escapes removed, line continuations dropped."""
    out: list[str] = []
    glob = False
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            if raw[i + 1] != "\n":
                out.append(raw[i + 1])
            i += 2
            continue
        if ch in GLOB_CHARS:
            glob = True
        out.append(ch)
        i += 1
    return "".join(out), glob


def _unescape_double(raw: str) -> str:
    # Inside double quotes a backslash only escapes $ ` " \ and newline.
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw) and raw[i + 1] in '$`"\\\n':
            if raw[i + 1] != "\n":
                out.append(raw[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
