"""The filter language's syntax: tokens, the recursive-descent parser and literal values.

:mod:`schemas.filters` documents the grammar and turns the tree built here into SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

INT, STRING, DATE = "int", "string", "date"
OPERATORS = {
    INT: ("=", "!=", ">", "<", ">=", "<=", "in"),
    STRING: ("=", "!=", "has", "in"),
    DATE: ("=", "!=", ">", "<", ">=", "<=", "in"),
}
KEYWORDS = ("and", "or", "has", "in")
MAX_LENGTH, MAX_CONDITIONS, MAX_VALUES, MAX_DEPTH = 4096, 200, 500, 20
MAX_INT = 2**31 - 1
DATE_FORMATS = {r"\d{2}\.\d{2}\.\d{4}": "%d.%m.%Y", r"\d{4}-\d{2}-\d{2}": "%Y-%m-%d"}



class FilterFields(NamedTuple):
    """The fields one resource can be filtered on: name → kind, plus other spellings."""

    kinds: dict[str, str]
    aliases: dict[str, str]

    def resolve(self, name: str) -> str | None:
        name = self.aliases.get(name, name)
        return name if name in self.kinds else None

    def names(self) -> str:
        return ", ".join([*self.kinds, *self.aliases])


class Condition(NamedTuple):
    field: str
    kind: str
    op: str
    value: Any  # int, str or date; a tuple of them for "in"


class Group(NamedTuple):
    joiner: str  # "and" or "or"
    parts: tuple[Any, ...]


class Token(NamedTuple):
    kind: str  # "(", ")", ",", "op", "word", "number", "string" or "end"
    text: str  # as written
    value: Any
    pos: int  # 1-based


TOKEN = re.compile(r"""
      \{\s*(?P<braced>!\s*=|>=|<=|=|>|<|has|in)\s*\}
    | (?P<op>!\s*=|>=|<=|=|>|<)
    | (?P<punct>[(),])
    | (?P<number>[0-9]+)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    """, re.VERBOSE | re.DOTALL)


class SyntaxProblem(Exception):
    def __init__(self, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.pos, self.reason = pos, reason


def tokenize(text: str) -> Iterator[Token]:
    """The tokens of ``text``, read as the parser asks for them (so the first problem in the
    text is the one reported), then the end token for ever."""
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            yield Token("end", "", None, pos + 1)
            continue
        match = TOKEN.match(text, pos)
        if match is None:
            raise SyntaxProblem(pos + 1, unreadable(text[pos]))
        yield token_of(match, pos + 1)
        pos = match.end()


def token_of(match: re.Match[str], pos: int) -> Token:
    kind, written = match.lastgroup, match.group()
    if kind in ("braced", "op"):
        return Token("op", written, re.sub(r"\s+", "", match.group(kind)), pos)
    if kind == "string":
        return Token("string", written, re.sub(r"\\(['\"\\])", r"\1", written[1:-1]), pos)
    return Token(written if kind == "punct" else kind, written, written, pos)


def unreadable(char: str) -> str:
    if char in "'\"":
        return f"unterminated string: no closing {char}"
    if char == "{":
        return "expected an operator in braces, such as {=} or {has}"
    return f"unexpected character {char!r}"


class Parser:
    """Recursive descent over the grammar above; one method per rule."""

    def __init__(self, tokens: Iterator[Token], spec: FilterFields) -> None:
        self.tokens, self.spec, self.conditions = tokens, spec, 0
        self.current: Token | None = None

    def parse(self) -> Condition | Group:
        tree = self.disjunct(0)
        token = self.peek()
        if token.kind == ")":
            raise SyntaxProblem(token.pos, "unbalanced ')': no '(' is open")
        if token.kind != "end":
            raise SyntaxProblem(token.pos, "expected 'and', 'or' or end of input, got "
                                           f"{describe(token)}{case_hint(token)}")
        return tree

    def disjunct(self, depth: int) -> Condition | Group:
        return self.joined("or", lambda: self.conjunct(depth))

    def conjunct(self, depth: int) -> Condition | Group:
        return self.joined("and", lambda: self.primary(depth))

    def joined(self, joiner: str, part: Any) -> Condition | Group:
        parts = [part()]
        while self.peek().kind == "word" and self.peek().text == joiner:
            self.take()
            parts.append(part())
        return parts[0] if len(parts) == 1 else Group(joiner, tuple(parts))

    def primary(self, depth: int) -> Condition | Group:
        token = self.take()
        if token.kind == "(":
            if depth == MAX_DEPTH:
                raise SyntaxProblem(token.pos, f"parentheses nested deeper than the limit "
                                               f"of {MAX_DEPTH}")
            inner = self.disjunct(depth + 1)
            close = self.take()
            if close.kind != ")":
                raise SyntaxProblem(close.pos, f"expected 'and', 'or' or ')' to close the '(' "
                                               f"at {token.pos}, got {describe(close)}"
                                               f"{case_hint(close)}")
            return inner
        if token.kind != "word" or token.text in KEYWORDS:
            raise SyntaxProblem(token.pos, f"expected a field name or '(', got {describe(token)}")
        return self.condition(token)

    def condition(self, name: Token) -> Condition:
        field = self.spec.resolve(name.text)
        if field is None:
            raise SyntaxProblem(name.pos, f"unknown field {name.text!r}, expected one of "
                                          f"{self.spec.names()}")
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise SyntaxProblem(name.pos, f"more than the limit of {MAX_CONDITIONS} conditions")
        kind, token = self.spec.kinds[field], self.take()
        allowed = OPERATORS[kind]
        op = token.value if token.kind == "op" else token.text if token.kind == "word" else ""
        if op not in OPERATORS[INT] + OPERATORS[STRING]:
            raise SyntaxProblem(token.pos, f"expected an operator ({', '.join(allowed)}) after "
                                           f"{name.text!r}, got {describe(token)}")
        if op not in allowed:
            raise SyntaxProblem(token.pos, f"{op!r} does not apply to {name.text!r} ({kind}), "
                                           f"use one of {', '.join(allowed)}")
        value = self.values(name, kind) if op == "in" else self.value(name, kind, op)
        return Condition(field, kind, op, value)

    def values(self, name: Token, kind: str) -> tuple[Any, ...]:
        opening = self.take()
        if opening.kind != "(":
            raise SyntaxProblem(opening.pos, f"expected '(' after 'in', got {describe(opening)}")
        if self.peek().kind == ")":
            raise SyntaxProblem(self.peek().pos, "expected at least one value in 'in (...)', "
                                                 "got ')'")
        found = [self.value(name, kind, "(")]
        while (token := self.take()).kind != ")":
            if token.kind != ",":
                raise SyntaxProblem(token.pos, f"expected ',' or ')' to close the list opened "
                                               f"at {opening.pos}, got {describe(token)}")
            if len(found) == MAX_VALUES:
                raise SyntaxProblem(token.pos, f"more than the limit of {MAX_VALUES} values "
                                               "in one list")
            found.append(self.value(name, kind, ","))
        return tuple(dict.fromkeys(found))

    def value(self, name: Token, kind: str, after: str) -> Any:
        token = self.take()
        if token.kind not in ("number", "string"):
            raise SyntaxProblem(token.pos, f"expected a value after {after!r}, got "
                                           f"{describe(token)}")
        converted = VALUE_OF[kind](token)
        if converted is None:
            raise SyntaxProblem(token.pos, f"{name.text!r} takes {EXPECTED[kind]}, got "
                                           f"{describe(token)}")
        return converted

    def peek(self) -> Token:
        if self.current is None:
            self.current = next(self.tokens)
        return self.current

    def take(self) -> Token:
        token, self.current = self.peek(), None
        return token


def int_value(token: Token) -> int | None:
    digits = token.value.strip() if token.kind == "string" else token.value
    if not re.fullmatch(r"[0-9]+", digits) or int(digits) > MAX_INT:
        return None
    return int(digits)


def string_value(token: Token) -> str | None:
    return token.value if token.kind == "string" else None


def date_value(token: Token) -> dt.date | None:
    text = token.value.strip() if token.kind == "string" else ""
    for pattern, layout in DATE_FORMATS.items():
        if re.fullmatch(pattern, text):
            try:
                day = dt.datetime.strptime(text, layout).date()
            except ValueError:
                return None
            return day if day < dt.date.max else None  # its next day must exist
    return None


VALUE_OF = {INT: int_value, STRING: string_value, DATE: date_value}
EXPECTED = {INT: f"a number up to {MAX_INT}", STRING: "a quoted string",
            DATE: "a date as 'DD.MM.YYYY'"}


def describe(token: Token) -> str:
    if token.kind == "end":
        return "end of input"
    if token.kind in ("number", "string"):
        return token.text if len(token.text) <= 40 else token.text[:37] + "..."
    return f"'{token.text}'"


def case_hint(token: Token) -> str:
    lowered = token.text.lower()
    return f" (write {lowered!r} in lowercase)" if lowered in KEYWORDS[:2] else ""
