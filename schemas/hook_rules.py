"""Inbound hook rules: which action a call runs, chosen by a written-down condition.

A hook holds an ordered list of rules ``{"when", "target", "fixed", "mapping",
"create_tags"}``; the first rule whose ``when`` holds runs. The grammar of ``when``::

    condition := clause { ("and" | "or") clause }      "and" binds tighter than "or"
    clause    := operand ("==" | "!=") operand
               | operand ["not"] "in" "(" operand { "," operand } ")"
    operand   := a template (``{path}`` placeholders and literal text), or "quoted text"

Operands are rendered as the mapping's templates are, except that a missing path renders as
nothing instead of failing the call; both sides are then compared as text, with the spaces at
their ends removed. An empty ``when`` always holds. Nothing is evaluated: the words ``and``,
``or``, ``in``, ``not in`` and the operators ``==``/``!=`` are all there is.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from schemas.envelope import InvalidValue
from schemas.hook_templates import MISSING, Payload, Placeholder, as_text, check, lookup, parse

MAX_RULES = 20
MAX_WHEN = 1000
RULE_KEYS = ("when", "target", "fixed", "mapping", "create_tags")
WORD = re.compile(r"(?:^|\s+)(and|or)(?:\s+|$)")
IN = re.compile(r"^(?P<left>.*?)\s+(?P<neg>not\s+)?in\s*\((?P<items>.*)\)$", re.S)
COMPARE = re.compile(r"^(?P<left>.*?)\s*(?P<op>==|!=)\s*(?P<right>.*)$", re.S)


class RuleInvalid(InvalidValue):
    message = "Rule is invalid"


class Clause(NamedTuple):
    left: str
    op: str  # "==", "!=", "in", "not in"
    right: tuple[str, ...]


def outside_braces(text: str, pattern: re.Pattern) -> list[str]:
    """``text`` split at the matches of ``pattern`` that lie outside ``{...}``; the matched
    words are kept between the parts."""
    parts, last, braces = [], 0, brace_depths(text)
    for match in pattern.finditer(text):
        if braces[match.start()] == 0:
            parts += [text[last:match.start()], match.group(1)]
            last = match.end()
    parts.append(text[last:])
    return parts


def brace_depths(text: str) -> list[int]:
    """How deep inside ``{...}`` or ``"..."`` each character is (0: outside both)."""
    depths, depth, quoted = [], 0, False
    for char in text:
        if char == '"':
            quoted = not quoted
        depth += 1 if char == "{" else 0
        depths.append(depth + (quoted or char == '"'))
        depth -= 1 if char == "}" and depth else 0
    return depths


def operand(text: str, rule: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace("{", "{{").replace("}", "}}")
    try:
        check(text)
    except InvalidValue as err:
        raise RuleInvalid(details=f"{rule}: {err.details}") from None
    return text


def parse_clause(text: str, rule: str) -> Clause:
    found = IN.match(text.strip())
    if found and brace_depths(text.strip())[found.start("items") - 1] == 0:
        items = tuple(operand(item, rule) for item in split_items(found.group("items")))
        return Clause(operand(found.group("left"), rule),
                      "not in" if found.group("neg") else "in", items)
    found = COMPARE.match(text.strip())
    if found is None or not found.group("left").strip():
        raise RuleInvalid(details=f"{rule}: {text.strip()!r} is not `a == b`, `a != b` "
                                  "or `a in (b, c)`")
    return Clause(operand(found.group("left"), rule), found.group("op"),
                  (operand(found.group("right"), rule),))


def split_items(text: str) -> list[str]:
    depths, items, last = brace_depths(text), [], 0
    for index, char in enumerate(text):
        if char == "," and depths[index] == 0:
            items.append(text[last:index])
            last = index + 1
    items.append(text[last:])
    return items


def parse_when(when: str, rule: str = "when") -> list[list[Clause]]:
    """The condition as alternatives (``or``) of conjunctions (``and``); [] always holds."""
    if not when.strip():
        return []
    if len(when) > MAX_WHEN:
        raise RuleInvalid(details=f"{rule}: a condition is at most {MAX_WHEN} characters")
    parts = outside_braces(when, WORD)
    alternatives: list[list[Clause]] = [[]]
    for index in range(0, len(parts), 2):
        alternatives[-1].append(parse_clause(parts[index], rule))
        if index + 1 < len(parts) and parts[index + 1] == "or":
            alternatives.append([])
    return alternatives


def loose(template: str, payload: Payload, item: Any = MISSING) -> str:
    """A template rendered with nothing where the payload has nothing."""
    out = []
    for part in parse(template):
        if isinstance(part, Placeholder):
            value = lookup(part.path, payload, item)
            out.append((part.default or "") if value is MISSING else as_text(value))
        else:
            out.append(part)
    return "".join(out).strip()


def holds(when: str, payload: Payload, item: Any = MISSING) -> bool:
    alternatives = parse_when(when)
    return not alternatives or any(all(clause_holds(c, payload, item) for c in conjunction)
                                   for conjunction in alternatives)


def clause_holds(clause: Clause, payload: Payload, item: Any) -> bool:
    left = loose(clause.left, payload, item)
    right = [loose(value, payload, item) for value in clause.right]
    return {"==": left == right[0], "!=": left != right[0], "in": left in right,
            "not in": left not in right}[clause.op]


def check_rule(rule: Any, index: int) -> dict[str, Any]:
    """A rule as stored: its keys checked, ``when`` parsed once to find every error."""
    name = f"rules[{index}]"
    if not isinstance(rule, dict):
        raise RuleInvalid(details=f"{name}: a rule is an object with {', '.join(RULE_KEYS)}")
    unknown = sorted(set(rule) - set(RULE_KEYS))
    if unknown:
        raise RuleInvalid(details=f"{name}: unknown key {unknown[0]!r} (a rule has "
                                  f"{', '.join(RULE_KEYS)})")
    if not isinstance(rule.get("target"), str) or not rule["target"]:
        raise RuleInvalid(details=f"{name}: target is required (an action name)")
    when = rule.get("when", "")
    if not isinstance(when, str):
        raise RuleInvalid(details=f"{name}.when: a condition is text")
    parse_when(when, f"{name}.when")
    tags = rule.get("create_tags", "")
    if not isinstance(tags, str) or len(tags) > 200:
        raise RuleInvalid(details=f"{name}.create_tags: the title of a tag group")
    return {"when": when, "target": rule["target"], "fixed": rule.get("fixed", {}),
            "mapping": rule.get("mapping", {}), **({"create_tags": tags} if tags else {})}
