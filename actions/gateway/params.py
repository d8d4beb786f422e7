"""Reading an API request: the query string and the body, kept apart until a signature says
which of them it covers (``signatures.covered_params``). Uploaded files are kept beside the
parameters; the values are decoded and checked by :mod:`.decoding`.
The body is read only when it is needed before authentication (the action or the hash is in
it), so an unsigned request is refused without parsing what it sent.
Anything that cannot be read (bad JSON, JSON nested too deep, a lone surrogate, bytes that are
not UTF-8, too many parameters, a body over the limit) is a ``BadRequest`` naming the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from flask import Request, current_app
from werkzeug.exceptions import RequestEntityTooLarge

from actions.gateway.decoding import as_strings, checked, decode, fold, parse_pairs, read_json
from schemas.envelope import ActionMismatch, BadRequest, BodyTooLarge, UriTooLong


@dataclass(frozen=True)
class Part:
    """Parameters as one part of the request carried them: the query string or the body."""

    params: Mapping[str, Any] = field(default_factory=dict)
    raw: str | None = None  # the urlencoded text as received (a query string, a form body)
    kind: str = ""  # the body's kind: "form", "multipart", "json" ("" for none or the query)


NO_BODY = Part()


@dataclass(frozen=True)
class SignedRequest:
    """What arrived, as received: what a signature can cover, and what it cannot."""

    query: Part = NO_BODY
    body: Part | None = NO_BODY  # None until read (see ``with_body``)
    files: Mapping[str, list] = field(default_factory=dict)
    authorization: str = ""
    method: str = "GET"
    path: str = ""
    body_bytes: bytes | None = None  # kept only for a request signed with the strict scheme
    path_action: str | None = None  # /api/admin/v2/<action>: signed as the query's action
    wire_query: str = ""  # the query string as sent (the strict scheme signs it so)

    @property
    def action(self) -> str:
        """The query's ``action``, else the body's."""
        for part in (self.query, self.body or NO_BODY):
            value = part.params.get("action")
            if isinstance(value, str) and value:
                return value
        return ""

    @property
    def hash_part(self) -> Part | None:
        """Where the ``hash`` is: the query, else the body."""
        if "hash" in self.query.params:
            return self.query
        return self.body if self.body is not None and "hash" in self.body.params else None

    @property
    def hash_values(self) -> tuple[str, ...]:
        part = self.hash_part
        if part is None:
            return ()
        if part is self.query and part.raw is not None:
            return tuple(v for k, v in parse_qsl(part.raw, keep_blank_values=True) if k == "hash")
        return tuple(as_strings(part.params["hash"]))

    @property
    def params(self) -> dict[str, Any]:
        """Every parameter, query and body together (the body's where both have one), files
        included: for what authenticates the whole request (a token, a signed URL)."""
        return {**self.query.params, **(self.body or NO_BODY).params, **self.files}


def read_request(request: Request, lazy: bool = True,
                 path_action: str | None = None) -> SignedRequest:
    """The query string, and the body unless ``lazy`` and authentication can do without it.

    ``path_action`` is the action named by the path (``/api/admin/v2/<action>``): it is signed
    as if the query began with ``action=<path_action>&``."""
    limit = current_app.config["MAX_QUERY_LENGTH"]
    if len(request.query_string) > limit:
        raise UriTooLong(f"The query string is longer than {limit} bytes: send the parameters "
                         "in a body signed with it", details=len(request.query_string))
    raw_query = decode(request.query_string, "the query string")
    query = Part(checked(fold(parse_pairs(raw_query, "the query string"))), raw_query)
    if path_action is not None:
        query = with_path_action(path_action, query)
    req = SignedRequest(query=query, body=None, authorization=header(request, "Authorization"),
                        method=request.method, path=request.path, path_action=path_action,
                        wire_query=raw_query)
    signed = "hash" in query.params or "signature" in query.params or req.authorization
    needed = not lazy or "action" not in query.params or not signed or is_strict(req)
    if not needed:
        return req
    return with_body(req, request, current_app.config["MAX_BODY_BEFORE_AUTH"] if lazy else None)


def with_small_body(req: SignedRequest, request: Request) -> SignedRequest | None:
    """The request with its body, when a query's hash may cover the body's fields too (as
    generated clients sign a POST): a body not read yet, small enough to read before the
    signature is checked, beside a hash in the query."""
    if req.body is not None or req.hash_part is not req.query or not request.content_length:
        return None
    limit = current_app.config["MAX_BODY_BEFORE_AUTH"]
    return None if request.content_length > limit else with_body(req, request, limit)


def with_body(req: SignedRequest, request: Request,
              before_auth: int | None = None) -> SignedRequest:
    """The request with its body read (once). Read before the signature is checked (it
    carries the hash or the action), a form or JSON body is bounded by ``before_auth``, so
    that refusing a forged one stays cheap; a bigger one goes beside a signed query, or with
    the Admin or strict header."""
    if req.body is not None:
        return req
    strict = is_strict(req)  # the body's bytes are signed: keep them (multipart too)
    raw = request.get_data(cache=True) if strict else read_limited(request, before_auth)
    if request.mimetype == "multipart/form-data":
        body, files = read_multipart(request)
    else:
        body, files = read_body(request, raw)
    if req.path_action is not None and body.params:
        body = with_path_action(req.path_action, body)
    return SignedRequest(req.query, body, files, req.authorization, req.method, req.path,
                         raw if strict else None, req.path_action, req.wire_query)


def with_path_action(action: str, part: Part) -> Part:
    """A part of the request with the path's action first, and the text it is signed as:
    as sent when it names the action itself, else with ``action=<action>&`` in front (so a
    hash never runs another action); ``ActionMismatch`` when it names another one."""
    named = part.params.get("action")
    if named is not None and named != action:
        raise ActionMismatch(details=f"{named} != {action}")
    raw = part.raw
    if raw is not None and named is None:
        raw = f"action={quote(action, safe='')}" + (f"&{raw}" if raw else "")
    return Part({"action": action, **part.params}, raw, part.kind)


def is_strict(req: SignedRequest) -> bool:
    return req.authorization.startswith("Taskgate-HMAC-SHA256")  # strict.SCHEME


def header(request: Request, name: str) -> str:
    value = request.headers.get(name, "")
    return value if value.isascii() else ""


def read_limited(request: Request, before_auth: int | None = None) -> bytes:
    """The body's bytes (none for multipart, parsed as a stream), refused over the limit
    even when it comes chunked, without a Content-Length to check first."""
    if request.mimetype == "multipart/form-data":
        return b""
    if before_auth is not None:
        size = request.content_length
        raw = request.stream.read(before_auth + 1) if size is None else b""
        if max(size or 0, len(raw)) > before_auth:
            raise BodyTooLarge(f"A body that carries its own hash or action is limited to "
                               f"{before_auth} bytes: put the hash and the action in the query "
                               "string", details=size or len(raw))
        if size is None:
            return raw
    raw = request.stream.read()  # stops at the limit, silently: see what is left
    limit = request.max_content_length
    if limit is not None and len(raw) >= limit and request.input_stream.read(1):
        raise RequestEntityTooLarge()
    return raw


def read_body(request: Request, raw: bytes) -> tuple[Part, dict[str, list]]:
    """The parameters of a body that is not multipart."""
    mimetype = request.mimetype
    if not raw.strip():
        return NO_BODY, {}
    if mimetype == "application/x-www-form-urlencoded":
        text = decode(raw, "the form body")
        return Part(checked(fold(parse_pairs(text, "the form body"))), text, "form"), {}
    if mimetype == "application/json" or raw.lstrip()[:1] in (b"{", b"["):
        return Part(checked(read_json(raw)), kind="json"), {}
    raise BadRequest("Unsupported body: send JSON, a form or multipart/form-data",
                     details=mimetype or "no Content-Type")


def read_multipart(request: Request) -> tuple[Part, dict[str, list]]:
    pairs = list(request.form.items(multi=True))
    for name, value in pairs:
        if "\ufffd" in value:  # werkzeug replaced bytes that were not UTF-8
            raise BadRequest("Parameters must be UTF-8 encoded", details=name)
    files = fold(request.files.items(multi=True), always_list=True)
    return Part(checked(fold(pairs)), kind="multipart"), files


