"""Schemathesis, a tool nobody here wrote, checks ``/openapi.json`` against the server: every
operation, valid and schema-violating requests, every request signed as the document says
(GET: ``hash = md5("action=<name>&" + query + key)``; POST: the ``Authorization: Admin``
header), and every check but two whose premise the document replaces: Worksection answers
refusals with HTTP 200 and the error envelope, so "a refused request is a 4xx" becomes
"a refused request is ``{"status": "error"}``" (the two checks below).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import time
from typing import Any

import pytest
import schemathesis
from conftest import API_KEY
from hypothesis import HealthCheck, Phase, given, settings
from jsonschema import Draft202012Validator
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi import checks

from actions.gateway import openapi
from actions.registry import ACTIONS

# The document and the checks are the same on every database: run once, on SQLite.
pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="the OpenAPI check runs once, in the SQLite run")
ACTION_PATH = "/api/admin/v2/"
EXAMPLES_PER_OPERATION = 4  # bounded: about 240 operations, both modes


def signing(wsgi_app):
    """A client's signing step, as WSGI middleware: signs what the generated client sends."""

    def signed(environ, start_response):
        path = environ.get("PATH_INFO", "")
        action = path[len(ACTION_PATH):] if path.startswith(ACTION_PATH) else ""
        if action and environ["REQUEST_METHOD"] == "GET":
            query = environ.get("QUERY_STRING", "")
            digest = hashlib.md5(f"action={action}&{query}{API_KEY}".encode()).hexdigest()
            environ["QUERY_STRING"] = f"{query}&hash={digest}" if query else f"hash={digest}"
        elif action:
            ts = str(int(time.time()))
            mac = hmac.new(API_KEY.encode(), f"{action}:{ts}".encode(), hashlib.sha256)
            environ["HTTP_AUTHORIZATION"] = f"Admin {ts}_{mac.hexdigest()}"
        return wsgi_app(environ, start_response)

    return signed


@functools.cache
def operations() -> dict[str, Any]:
    """Every operation of the document, by "METHOD path" (built once: about 6 s)."""
    loaded = schemathesis.openapi.from_dict(openapi.describe())
    return {f"{op.method.upper()} {op.path}": op
            for op in (result.ok() for result in loaded.get_all_operations())}


LABELS = [f"{method} {path}" for path in
          [*openapi.ROUTES, *(ACTION_PATH + name for name in sorted(ACTIONS))]
          for method in ("GET", "POST")]


def envelope(response) -> dict:
    try:
        return json.loads(response.content)
    except ValueError:
        return {}


@schemathesis.check
def refusals_are_error_envelopes(ctx, response, case):
    """A schema-violating request is refused: HTTP 4xx, or HTTP 200 with the error envelope."""
    if case.meta is None or case.meta.generation.mode != schemathesis.GenerationMode.NEGATIVE:
        return None
    if only_unknown_names_are_wrong(case):
        return None  # unknown parameters are ignored, as Worksection ignores them
    if response.status_code == 200 and envelope(response).get("status") == "ok":
        raise AssertionError(f"Schema-violating request accepted: {case.as_curl_command()}")
    return True


def only_unknown_names_are_wrong(case) -> bool:
    """Whether the case violates its schema only by carrying query parameters or headers the
    operation does not declare (which the document says are ignored)."""
    negative = [loc for loc in case.meta.components if case.meta.is_negative_at(loc)]
    query, header = ParameterLocation.QUERY, ParameterLocation.HEADER
    given = {query: case.query or {}, header: case.headers or {}}
    declared = {query: {p.name for p in case.operation.query},
                header: {p.name.lower() for p in case.operation.headers}}
    if not negative or any(loc not in given for loc in negative):
        return False
    for loc in negative:
        names = {str(k).lower() if loc == header else k for k in given[loc]}
        if not names - declared[loc] or not declared_values_fit(case, loc, given[loc]):
            return False
    return True


def declared_values_fit(case, loc, given: dict) -> bool:
    """Whether every declared parameter given at ``loc`` has a value its schema allows (so
    the unknown names beside them are what makes the case negative)."""
    operation = case.operation
    params = {(p.name.lower() if loc == ParameterLocation.HEADER else p.name): p
              for p in (operation.query if loc == ParameterLocation.QUERY else operation.headers)}
    for name, value in given.items():
        key = str(name).lower() if loc == ParameterLocation.HEADER else name
        if key in params and not Draft202012Validator(
                params[key].definition.get("schema", {})).is_valid(value):
            return False
    return True


@schemathesis.check
def valid_requests_are_not_refused_for_their_form(ctx, response, case):
    """A request the document allows is never refused as unreadable (codes 10 and 11 name a
    value of the wrong form; other refusals, such as a missing task, are about the data)."""
    if case.meta is None or case.meta.generation.mode != schemathesis.GenerationMode.POSITIVE:
        return None
    answer = envelope(response)
    if answer.get("status") == "error" and answer.get("message") == "Request is invalid":
        raise AssertionError(f"Valid request refused: {answer}: {case.as_curl_command()}")
    return True


@pytest.mark.parametrize("mode", ["POSITIVE", "NEGATIVE"])
@pytest.mark.parametrize("label", LABELS)
def test_the_server_answers_as_its_openapi_document_says(app, label, mode):
    operation = operations().get(label)
    if operation is None:
        pytest.skip(f"{label} is not in the document")
    operation.schema.app = signed = signing(app.wsgi_app)

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=getattr(schemathesis.GenerationMode, mode)))
    def run(case):
        case.call_and_validate(app=signed, excluded_checks=EXCLUDED)

    run()


# Their premise (a refusal is a 4xx) is replaced by the two checks above.
EXCLUDED = [checks.ignored_auth, checks.negative_data_rejection, checks.positive_data_acceptance]
