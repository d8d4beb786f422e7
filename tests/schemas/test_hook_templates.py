"""Hook templates on their own: what a path reaches, and what it cannot."""

from __future__ import annotations

import pytest

from schemas.hook_templates import (
    MAX_OUTPUT,
    MappingError,
    OutsidePayload,
    Payload,
    TemplateInvalid,
    check,
    render,
)

BODY = {"alerts": [{"labels": {"service": "api", "n": 3}, "ok": True},
                   {"labels": {"service": "db", "n": None}, "ok": False},
                   {"labels": {"service": "api"}}],
        "meta": {"a": {"x": 1}, "b": {"x": 2}}, "title": "Disk"}
PAYLOAD = Payload.of(BODY, {"src": "cron"}, {"X-Request-Id": "r-1", "Authorization": "Bearer s"})


@pytest.mark.parametrize("template, expected", [
    ("{alerts.0.labels.service}", "api"),
    ("{alerts.*.labels.service}", "api,db"),  # distinct, in order
    ("{alerts.*.labels.n}", "3"),  # null reads as nothing
    ("{alerts.0.ok}/{alerts.1.ok}", "true/false"),
    ("{meta.*.x}", "1,2"),  # * over an object's values
    ("{meta.a}", '{"x":1}'),
    ("{$query.src} {$headers.x-request-id} {$headers.X-REQUEST-ID}", "cron r-1 r-1"),
    ("{{literal}} {title}", "{literal} Disk"),
    ("{alerts.9.labels.service|none}", "none"),
    ("{title.0|no char indexing}", "no char indexing"),
    ("{$headers.authorization|hidden}", "hidden"),
    ("{$body.title}", "Disk"),
])
def test_render(template, expected):
    assert render(check(template), PAYLOAD) == expected


def test_inside_for_each_the_element_comes_first_and_the_body_stays_reachable():
    item = BODY["alerts"][1]
    assert render("{labels.service} of {$body.title}", PAYLOAD, item) == "db of Disk"


def test_a_missing_path_names_itself():
    with pytest.raises(MappingError) as caught:
        render("{alerts.0.labels.team}", PAYLOAD, name="title")
    assert caught.value.details == "title: no value at alerts.0.labels.team"


def test_the_output_is_bounded():
    huge = Payload.of({"text": "x" * (MAX_OUTPUT * 2)}, {}, {})
    assert len(render("{text}{text}", huge)) == MAX_OUTPUT


@pytest.mark.parametrize("template, error", [
    ("{__class__}", OutsidePayload), ("{a.__dict__}", OutsidePayload),
    ("{$os.environ}", OutsidePayload), ("{a[0]}", TemplateInvalid), ("{a()}", TemplateInvalid),
    ("}", TemplateInvalid), ("x" * 2001, TemplateInvalid), (7, TemplateInvalid),
    ("{" + ".".join("a" * 33) + "}", TemplateInvalid),
])
def test_templates_that_reach_beyond_the_data_are_refused(template, error):
    with pytest.raises(error):
        check(template)
