"""The ``when`` grammar of inbound hook rules (schemas/hook_rules.py): what holds, what does
not, and every malformed rule refused with a message that names it."""

from __future__ import annotations

import pytest

from schemas.hook_rules import RuleInvalid, check_rule, holds
from schemas.hook_templates import Payload

GITHUB = Payload.of({"action": "reopened", "issue": {"number": 42, "labels": []}}, {},
                    {"X-GitHub-Event": "issues"})


@pytest.mark.parametrize("when, expected", [
    ("", True),
    ("{$headers.X-GitHub-Event} == issues", True),
    ("{$headers.x-github-event} == issues", True),  # header names in any case
    ("{$headers.X-GitHub-Event} != issues", False),
    ("{$headers.X-GitHub-Event} == issues and {action} in (opened, reopened)", True),
    ("{$headers.X-GitHub-Event} == issues and {action} in (opened,closed)", False),
    ("{action} not in (opened, closed)", True),
    ("{action} == opened or {action} == reopened", True),
    ("{action} == opened or {action} == closed and {issue.number} == 42", False),
    ("{action} == reopened or {action} == closed and {issue.number} == 7", True),
    ("{issue.number} == 42", True),
    ("#{issue.number} == #42", True),
    ("{issue.milestone.title} == ", True),  # a missing path is nothing, not an error
    ("{issue.milestone.title|none} == none", True),
    ('{action} == "reopened"', True),
    ('"{action}" == reopened', False),  # quoted text is literal
    ("{action}==reopened", True),
    ('{action} in ("opened, or not", reopened)', True),  # quotes keep commas and words
    ('{action} == "salt and pepper" or {action} == reopened', True),
])
def test_conditions(when, expected):
    assert holds(check_rule({"when": when, "target": "post_task"}, 0)["when"], GITHUB) is expected


def test_a_for_each_element_is_the_start_of_paths():
    payload = Payload.of({"status": "firing", "alerts": [{"status": "resolved"}]}, {}, {})
    assert holds("{status} == resolved and {$body.status} == firing", payload,
                 payload.body["alerts"][0])


@pytest.mark.parametrize("rule, details", [
    ([], "rules[0]: a rule is an object with when, target, fixed, mapping, create_tags"),
    ({"when": "x"}, "rules[0]: target is required (an action name)"),
    ({"target": "post_task", "then": "x"},
     "rules[0]: unknown key 'then' (a rule has when, target, fixed, mapping, create_tags)"),
    ({"target": "post_task", "when": "{action} = opened"},
     "rules[0].when: '{action} = opened' is not `a == b`, `a != b` or `a in (b, c)`"),
    ({"target": "post_task", "when": "{action} == opened and"},
     "rules[0].when: '' is not `a == b`, `a != b` or `a in (b, c)`"),
    ({"target": "post_task", "when": "or {action} == opened"},
     "rules[0].when: '' is not `a == b`, `a != b` or `a in (b, c)`"),
    ({"target": "post_task", "when": "{__class__} == x"},
     "rules[0].when: __class__: __class__ is not payload data"),
    ({"target": "post_task", "when": "{$env.HOME} == x"},
     "rules[0].when: $env.HOME: a path starts at $body, $query, $headers or the body"),
    ({"target": "post_task", "when": 3}, "rules[0].when: a condition is text"),
    ({"target": "post_task", "create_tags": ["x"]},
     "rules[0].create_tags: the title of a tag group"),
])
def test_malformed_rules_are_named(rule, details):
    with pytest.raises(RuleInvalid) as caught:
        check_rule(rule, 0)
    assert caught.value.details == details
