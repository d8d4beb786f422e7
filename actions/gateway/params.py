"""Reading an API request: the query string and the body, each parsed once into the list of
``(name, value)`` pairs it carries, in wire order, and kept apart until a signature says which
of them it covers (``signatures.covered_params``). Every shape clients send is a pair: a
scalar, ``name[]``, ``name[0]``, ``name[key]`` (folded into lists and objects by
:mod:`.decoding`), a form field, a JSON member. Uploaded files are kept beside the parameters.

Nothing read before authentication grows with the body: the body is read before the signature
is checked only when it carries the hash or the action (or, for the strict scheme, when its
bytes are signed), and then only up to ``MAX_BODY_BEFORE_AUTH`` bytes; otherwise it is read
after authentication. Anything that cannot be read (bad JSON, JSON nested too deep, a lone
surrogate, bytes that are not UTF-8, too many parameters, a body over the limit) is a
``BadRequest`` naming the problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import quote

from flask import Request, current_app
from werkzeug.exceptions import RequestEntityTooLarge

from actions.gateway.decoding import as_strings, checked, decode, fold, parse_pairs, read_json
from schemas.envelope import ActionMismatch, BadRequest, BodyTooLarge, UriTooLong

EMPTY: Mapping[str, Any] = MappingProxyType({})


class Part(NamedTuple):  # a NamedTuple, not a frozen dataclass: made at every request, cheaper
    """Parameters as one part of the request carried them: the query string or the body."""

    params: Mapping[str, Any] = EMPTY  # the pairs, folded
    raw: str | None = None  # the urlencoded text as received (a query string, a form body)
    kind: str = ""  # the body's kind: "form", "multipart", "json" ("" for none or the query)
    pairs: tuple[tuple[str, Any], ...] = ()  # as sent, in wire order (JSON: its members)


NO_BODY = Part()
CREDENTIALS = ("hash", "signature", "access_token")  # in the query: the body waits for them


def part_of(pairs: Iterable[tuple[str, Any]], raw: str | None = None, kind: str = "") -> Part:
    """A part of the request from its pairs: what it carries, folded and checked."""
    pairs = tuple(pairs)
    return Part(checked(fold(pairs)), raw, kind, pairs)


class SignedRequest(NamedTuple):
    """What arrived, as received: what a signature can cover, and what it cannot."""

    query: Part = NO_BODY
    body: Part | None = NO_BODY  # None until read (see ``with_body``)
    files: Mapping[str, list] = EMPTY
    authorization: str = ""
    method: str = "GET"
    path: str = ""
    body_bytes: bytes | None = None  # the strict scheme's body, read (bounded) to check it
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
        if part is self.query:  # every hash= sent, each checked (the folded params keep one)
            return tuple(value for name, value in part.pairs if name == "hash")
        return tuple(as_strings(part.params["hash"]))

    @property
    def params(self) -> dict[str, Any]:
        """Every parameter, query and body together (the body's where both have one), files
        included: for what authenticates the whole request (a token, a signed URL)."""
        return {**self.query.params, **(self.body or NO_BODY).params, **self.files}


def read_request(request: Request, path_action: str | None = None) -> SignedRequest:
    """The query string, and the body (bounded) only if authentication needs it: when the
    action or the credential is not in the query, the headers or the path.

    ``path_action`` is the action named by the path (``/api/admin/v2/<action>``): it is signed
    as if the query began with ``action=<path_action>&``."""
    limit, wire = current_app.config["MAX_QUERY_LENGTH"], request.query_string
    if len(wire) > limit:
        raise UriTooLong(f"The query string is longer than {limit} bytes: send the parameters "
                         "in a body signed with it", details=len(wire))
    raw_query = decode(wire, "the query string")
    query = part_of(parse_pairs(raw_query, "the query string"), raw_query)
    if path_action is not None:
        query = with_path_action(path_action, query)
    req = SignedRequest(query=query, body=None, authorization=header(request, "AUTHORIZATION"),
                        method=request.method, path=request.path, path_action=path_action,
                        wire_query=raw_query)
    signed = any(name in query.params for name in CREDENTIALS) or req.authorization or \
        header(request, "ACCESSTOKEN")
    needed = "action" not in query.params or not signed
    if not needed or is_strict(req):  # the strict scheme reads its body once its header passed
        return req
    return with_body(req, request, current_app.config["MAX_BODY_BEFORE_AUTH"])


def with_small_body(req: SignedRequest, request: Request) -> SignedRequest | None:
    """The request with its body, when a query's hash may cover the body's fields too (as
    generated clients sign a POST): a body not read yet, small enough to read before the
    signature is checked, beside a hash in the query."""
    if req.body is not None or req.hash_part is not req.query or not request.content_length:
        return None
    limit = current_app.config["MAX_BODY_BEFORE_AUTH"]
    return None if request.content_length > limit else with_body(req, request, limit)


def strict_body(req: SignedRequest, request: Request) -> SignedRequest:
    """The request with the bytes of its body, unparsed, for the strict scheme to hash: at
    most ``MAX_BODY_BEFORE_AUTH`` of them, read only once its header passed."""
    if req.body_bytes is not None:
        return req
    limit = current_app.config["MAX_BODY_BEFORE_AUTH"]
    raw = read_limited(request, limit, everything=True)
    request._cached_data = raw  # parsed from these bytes once the signature matched
    return SignedRequest(req.query, req.body, req.files, req.authorization, req.method,
                         req.path, raw, req.path_action, req.wire_query)


def with_body(req: SignedRequest, request: Request,
              before_auth: int | None = None) -> SignedRequest:
    """The request with its body read (once). Read before the signature is checked (it
    carries the hash or the action), a form or JSON body is bounded by ``before_auth``, so
    that refusing a forged one stays cheap; a bigger one goes beside a signed query, or with
    the Admin header (the strict scheme's body was read by ``strict_body``)."""
    if req.body is not None:
        return req
    if req.body_bytes is None and not has_body(request):  # most GETs: nothing to read
        return SignedRequest(req.query, NO_BODY, {}, req.authorization, req.method, req.path,
                             None, req.path_action, req.wire_query)
    raw = req.body_bytes if req.body_bytes is not None else read_limited(request, before_auth)
    if request.mimetype == "multipart/form-data":
        body, files = read_multipart(request)
    else:
        body, files = read_body(request, raw)
    if req.path_action is not None and body.params:
        body = with_path_action(req.path_action, body)
    return SignedRequest(req.query, body, files, req.authorization, req.method, req.path,
                         req.body_bytes, req.path_action, req.wire_query)


def has_body(request: Request) -> bool:
    """Whether the request may carry a body: in HTTP/1.x only with a Content-Length over 0
    or a chunked Transfer-Encoding (RFC 9112, 6.3); HTTP/2 frames need neither. A multipart
    request is always read (an empty one is an empty form, not no body)."""
    environ = request.environ
    length = environ.get("CONTENT_LENGTH", "")
    if length not in ("", "0") or environ.get("CONTENT_TYPE", "").startswith("multipart/"):
        return True
    if not environ.get("SERVER_PROTOCOL", "").startswith("HTTP/1."):
        return True
    return not length and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def with_path_action(action: str, part: Part) -> Part:
    """A part of the request with the path's action first, and the text it is signed as:
    as sent when it names the action itself, else with ``action=<action>&`` in front (so a
    hash never runs another action); ``ActionMismatch`` when it names another one."""
    named = part.params.get("action")
    if named is not None and named != action:
        raise ActionMismatch(details=f"{named} != {action}")
    if named is not None:
        return part
    raw = part.raw
    if raw is not None:
        raw = f"action={quote(action, safe='')}" + (f"&{raw}" if raw else "")
    return Part({"action": action, **part.params}, raw, part.kind,
                (("action", action), *part.pairs))


def is_strict(req: SignedRequest) -> bool:
    return req.authorization.startswith("Taskgate-HMAC-SHA256")  # strict.SCHEME


def header(request: Request, name: str) -> str:
    """The header ``name`` (as the WSGI environ spells it: ``AUTHORIZATION``), if ASCII."""
    value = request.environ.get(f"HTTP_{name}", "")
    return value if value.isascii() else ""


def read_limited(request: Request, before_auth: int | None = None,
                 everything: bool = False) -> bytes:
    """The body's bytes (none for multipart, parsed as a stream, unless ``everything``),
    refused over the limit even when it comes chunked, without a Content-Length to check
    first: past ``before_auth`` without reading more than one byte over it."""
    if request.mimetype == "multipart/form-data" and not everything:
        return b""
    if before_auth is not None:
        size = request.content_length
        raw = request.stream.read(before_auth + 1) if size is None else b""
        if max(size or 0, len(raw)) > before_auth:
            raise BodyTooLarge(f"A body read before its signature is checked (it carries its "
                               f"own hash or action, or the strict scheme signs it) is limited "
                               f"to {before_auth} bytes: put the hash and the action in the "
                               "query string, or raise MAX_BODY_BEFORE_AUTH",
                               details=size or len(raw))
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
        return part_of(parse_pairs(text, "the form body"), text, "form"), {}
    if mimetype == "application/json" or raw.lstrip()[:1] in (b"{", b"["):
        members = read_json(raw)
        return Part(checked(members), kind="json", pairs=tuple(members.items())), {}
    raise BadRequest("Unsupported body: send JSON, a form or multipart/form-data",
                     details=mimetype or "no Content-Type")


def read_multipart(request: Request) -> tuple[Part, dict[str, list]]:
    pairs = list(request.form.items(multi=True))
    if None in request.form or None in request.files:
        raise BadRequest("A multipart part has no name", details="Content-Disposition")
    for name, value in pairs:
        if "\ufffd" in value:  # werkzeug replaced bytes that were not UTF-8
            raise BadRequest("Parameters must be UTF-8 encoded", details=name)
    files = fold(request.files.items(multi=True), always_list=True)
    return part_of(pairs, kind="multipart"), files


