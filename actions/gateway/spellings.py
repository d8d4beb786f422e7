"""The texts an md5 ``hash`` may be computed over: the request's pairs, spelled as the
clients of the Worksection API spell them.

Each text spells every pair (lists and objects are pairs, ``members%5B%5D=...``); one that,
read back as a query string, gives other pairs than the request's signs nothing
(``signatures.Claim.signs``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from actions.gateway.params import Part

MAX_FORMS_OVER = 64 * 1024  # past this many characters only the text as received is hashed


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 - Worksection's wire format


def without_hash(raw: str) -> str:
    """The raw ``a=1&b=2`` string with its ``hash`` pair removed, all else byte for byte."""
    return "&".join(pair for pair in raw.split("&") if pair and pair_name(pair) != "hash")


def pair_name(pair: str) -> str:
    """The name of a raw ``name=value`` pair, decoded (only when it has something to decode)."""
    name = pair.partition("=")[0]
    return unquote_plus(name) if "%" in name or "+" in name else name


def spelled(pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The pairs an md5 can sign, as text: every pair but the hash; of a JSON body, its
    members whose value is a string or a number (see :func:`unspelled`)."""
    return [(k, str(v)) for k, v in pairs if k != "hash" and is_scalar(v)]


def unspelled(part: Part) -> list[str]:
    """The members of a JSON body that no query string spells: lists, objects, booleans,
    nulls. An md5 over the body's fields does not sign them."""
    return sorted({k for k, v in part.pairs if k != "hash" and not is_scalar(v)})


def spellings(pairs: Sequence[tuple[str, str]]) -> Iterable[str]:
    """The query strings common clients build from these pairs, every pair spelled: in wire
    order and sorted by name (Go; pairs of one name keep their wire order), encoded as PHP
    (``+``), as RFC 3986 (``%20``) and not at all (Postman)."""
    for ordered in (pairs, by_name(pairs)):
        yield "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in ordered)
        yield "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in ordered)
        yield "&".join(f"{k}={v}" for k, v in ordered)


def by_name(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs sorted by name, pairs of one name in their order: what the parameters are
    made of (the order of different names changes nothing, that of one name does)."""
    return sorted(pairs, key=itemgetter(0))


def bare_as_null(raw: str) -> str:
    """Postman's pre-request script hashes a parameter without a value as ``key=null`` (JS
    string concatenation) but sends it as a bare ``key``."""
    return "&".join(pair if "=" in pair else f"{pair}=null" for pair in raw.split("&"))


def md5_inputs(part: Part, stripped: str | None = None) -> list[str]:
    """Every string whose md5 with the key appended may be the ``hash`` of this part, the text
    as received first (``stripped``, when already worked out). A decoded or unencoded one
    counts only if it spells exactly the part's pairs (:meth:`Claim.spells`)."""
    texts = []
    if part.raw:
        stripped = without_hash(part.raw) if stripped is None else stripped
        if len(stripped) > MAX_FORMS_OVER:
            return [stripped]
        for form in dict.fromkeys((stripped, bare_as_null(stripped))):
            texts += [form, unquote(form), unquote_plus(form)]
    texts += spellings(spelled(part.pairs))
    return list(dict.fromkeys(texts))


def md5_state(text: str) -> hashlib._Hash:
    return hashlib.md5(text.encode("utf-8"))  # noqa: S324 - Worksection's wire format


def is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)
