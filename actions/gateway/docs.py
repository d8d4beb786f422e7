"""The docs pages: ``/docs`` (the overview: signing, the signer, filters, the resources) and
``/docs/<resource>`` (every action of a resource with its parameters, examples in curl,
Python and PHP, its recorded answer, its error codes and "try it"). Script and style are
static files under ``/docs/static/`` (no inline code, no CDN); every URL in the pages is
relative, so they work behind a path prefix."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import abort, render_template, request
from markupsafe import Markup, escape

from actions.gateway import catalogue, docs_params, snippets
from actions.gateway.examples import examples, query_text
from actions.gateway.roles import TOKEN_ONLY
from actions.registry import ACTIONS, Action
from schemas import filter_syntax
from schemas.envelope import BadHash, FieldRequired, InvalidEmail, InvalidValue, TokenInvalid
from schemas.filters import Filter

SAMPLE_KEY = "7776461cd931e7b1c8e9632ff8e979ce"  # the key of the worked examples (no real one)


def render(spec: dict[str, Any]) -> str:
    """The overview page, served at /docs."""
    return render_template("docs.html", root="./", spec=spec, toc=toc(), current=None,
                           count=len(ACTIONS), signing=signing_examples(),
                           filters=filter_language(), code=code_spans)


def render_resource(spec: dict[str, Any], slug: str) -> str:
    """The page of one resource, served at /docs/<resource>."""
    group = next((group for group in catalogue.grouped() if catalogue.slug(group) == slug), None)
    if group is None:
        abort(404)
    schemas = spec["components"]["schemas"]
    entries = [entry(ACTIONS[name], schemas) for name in catalogue.grouped()[group]]
    return render_template("docs_resource.html", root="../", toc=toc(), current=group,
                           count=len(ACTIONS), entries=entries, code=code_spans)


def toc() -> list[dict[str, Any]]:
    return [{"title": title(group), "group": group, "slug": catalogue.slug(group),
             "actions": [(name, ACTIONS[name].doc.replace("`", "").lower()) for name in names]}
            for group, names in catalogue.grouped().items()]


def title(group: str) -> str:
    return group[:1].upper() + group[1:]


def entry(spec_action: Action, schemas: dict[str, Any]) -> dict[str, Any]:
    name = spec_action.name
    params = schemas[schemas[name]["allOf"][0]["$ref"].rsplit("/", 1)[-1]]
    required = set(params.get("required", ()))
    properties = params.get("properties", {})
    made = examples()[name]
    uploads = any(properties[key].get("items", {}).get("format") == "binary"
                  for key in required)
    shown = {key: value for key, value in made["request"]["params"].items() if key != "action"}
    kind = "bearer" if made.get("auth") == "bearer" and name in TOKEN_ONLY else (
        "upload" if uploads else "query")
    return {
        "name": name, "doc": spec_action.doc, "writes": spec_action.writes,
        "alias_of": spec_action.canonical if name != spec_action.canonical else None,
        "alias_page": catalogue.slug(catalogue.group_of(spec_action.canonical)),
        "user_only": name in TOKEN_ONLY,
        "tryable": name not in TOKEN_ONLY and not uploads,  # GET cannot upload
        "params": [docs_params.parameter(spec_action, key, properties[key], key in required)
                   for key in catalogue.ordered(name, list(properties), required)],
        "request": shown_request(made), "answer": shown_answer(made["answer"]),
        "snippets": [(language, slotted(code))
                     for language, code in snippets.snippets(name, shown, kind)],
        "try": docs_params.try_form(spec_action, shown, required),
        "errors": error_codes(spec_action, made),
        "error_examples": [{"request": shown_request(bad), "answer": shown_answer(bad["answer"])}
                           for bad in made["errors"]],
    }


def slotted(code: str) -> Markup:
    """The code, escaped, with the server's address and the key in slots the page fills."""
    base = request.url_root.rstrip("/")
    text = str(escape(code.replace(snippets.BASE, base)))
    return Markup(text.replace(str(escape(base)), f'<span class="base-slot">{escape(base)}</span>')
                  .replace(snippets.KEY, f'<span class="key-slot">{snippets.KEY}</span>'))


def shown_request(made: dict[str, Any]) -> dict[str, str]:
    request_ = made["request"]
    params = request_["params"]
    if made.get("auth") == "bearer":
        return {"method": request_["method"], "line": f"POST {request_['path']}",
                "auth": "Authorization: Bearer <access token>",
                "body": json.dumps(params, ensure_ascii=False)}
    query = query_text(params)
    return {"method": request_["method"], "auth": "", "body": "",
            "line": f"{request_['method']} {request_['path']}?{query}&hash=<md5(query + key)>"}


def shown_answer(answer: dict[str, Any]) -> str:
    if "status" not in answer:  # download: the file itself
        return (f"Content-Type: {answer['content_type']}\nContent-Disposition: "
                f"{answer['content_disposition']}\n\n{answer['body']}")
    return json.dumps(answer, indent=2, ensure_ascii=False)


def error_codes(spec_action: Action, made: dict[str, Any]) -> list[tuple[int, str]]:
    """The codes an action answers: authentication, its parameters' checks, and those its
    recorded error examples met."""
    fields = spec_action.schema.fields.values()
    auth = TokenInvalid if spec_action.name in TOKEN_ONLY else BadHash
    found = [(auth.status_code, auth.message)]
    if any(field.required for field in fields):
        found.append((FieldRequired.status_code, FieldRequired.message))
    if any(docs_params.takes_email(field) for field in fields):
        found.append((InvalidEmail.status_code, InvalidEmail.message))
    if fields:
        found.append((InvalidValue.status_code, InvalidValue.message))
    found += [(bad["answer"]["status_code"], bad["answer"]["message"]) for bad in made["errors"]]
    return sorted(dict.fromkeys(found))


def signing_examples() -> dict[str, str]:
    """Worked examples of each scheme, computed with the sample key."""
    query = "action=get_task&id_task=1&extra=text"
    path_query = "id_task=1&extra=text"
    return {"key": SAMPLE_KEY, "query": query, "hash": md5_hex(query + SAMPLE_KEY),
            "path_query": path_query,
            "path_hash": md5_hex(f"action=get_task&{path_query}{SAMPLE_KEY}"),
            "legacy_page": "/project/1/1/",
            "legacy": md5_hex("/project/1/1/get_task" + SAMPLE_KEY)}


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - Worksection's wire format


def filter_language() -> dict[str, Any]:
    """Which fields each filtering action takes, their kinds, and the language's limits."""
    fields_of = {}
    for name, spec_action in ACTIONS.items():
        for field in spec_action.schema.fields.values():
            if isinstance(field, Filter) and name == spec_action.canonical:
                fields_of[name] = [(key, kind, sorted(a for a, to in field.spec.aliases.items()
                                                      if to == key))
                                   for key, kind in field.spec.kinds.items()]
    return {"fields_of": fields_of, "max_length": filter_syntax.MAX_LENGTH,
            "max_conditions": filter_syntax.MAX_CONDITIONS,
            "max_values": filter_syntax.MAX_VALUES, "max_depth": filter_syntax.MAX_DEPTH,
            "page_of": {name: catalogue.slug(catalogue.group_of(name)) for name in fields_of}}


def code_spans(text: str) -> Markup:
    """Escape the text, then show `backticks` as code (the only markup descriptions use)."""
    return Markup(docs_params.CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))
