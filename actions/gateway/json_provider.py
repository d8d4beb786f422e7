"""Flask's JSON provider on orjson, writing the very bytes the standard provider wrote.

Answers used to be written by ``json.dumps`` with ``ensure_ascii=True`` and compact separators.
orjson is many times faster but writes other bytes for a few values: raw UTF-8 and DEL (``json``
escapes every character past ``~`` as ``\\uXXXX``, a surrogate pair past U+FFFF), floats under
1e-4 (``0.00001``, ``1e-6`` where ``json`` writes ``1e-05``, ``1e-06``), ``null`` for NaN and
infinities (``json``: ``NaN``, ``Infinity``); and it refuses what ``json`` writes: integers past
64 bits, keys that are not strings, namedtuples, nesting past 254 levels, lone surrogates.

So a value is written by orjson; DEL and the characters of U+0100..U+FFFF (Cyrillic, CJK, ...)
are then escaped as ``json`` escapes them (Python's ``backslashreplace`` writes the same
``\\uXXXX``); and it is written by ``json.dumps`` instead, as before, when orjson refuses it,
or when its bytes may hold one of those numbers. Characters of U+0080..U+00FF and past U+FFFF,
which ``backslashreplace`` writes otherwise (``\\xe9``, ``\\U0001f600``), are rewritten as
``json`` writes them.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

COMPACT = (",", ":")
COMPACT_ONLY = {"separators": COMPACT}  # as ``response`` asks (out of debug mode)
# Dates, times and dataclasses go to ``default`` as they did (``http_date``, ``asdict``).
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# What ``backslashreplace`` writes otherwise than ``json``: ``\xe9`` (U+0080..U+00FF) and
# ``\U0001f600`` (past U+FFFF); an escaped backslash (``\\``) is matched first, and kept.
PYTHON_ESCAPE = re.compile(rb"\\\\|\\x([0-9a-f]{2})|\\U([0-9a-f]{8})")
EXPONENT = re.compile(rb"e-[0-9]")  # of a float if a digit comes before


class OrjsonProvider(DefaultJSONProvider):
    """Compact JSON by orjson, byte for byte what ``json.dumps(ensure_ascii=True)`` wrote."""

    sort_keys = False  # Worksection's field order, not the alphabet

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Compact JSON unless ``indent`` or ``separators`` say otherwise; any option of
        ``json.dumps`` (or attribute changed from its default) is written by ``json.dumps``."""
        if (not kwargs or kwargs == COMPACT_ONLY) and self.ensure_ascii and not self.sort_keys:
            written = self.orjson_dumps(obj)
            if written is not None:
                return written
        if kwargs.get("indent") is None:
            kwargs.setdefault("separators", COMPACT)
        return super().dumps(obj, **kwargs)

    def orjson_dumps(self, obj: Any) -> str | None:
        """``obj`` written by orjson as ``json`` writes it, or None where they may differ."""
        try:
            written = orjson.dumps(obj, default=self.default, option=OPTIONS)
        except orjson.JSONEncodeError:
            return None
        if numbers_may_differ(written):
            return None
        if not written.isascii():
            written = written.decode().encode("ascii", "backslashreplace")
            if b"\\x" in written or b"\\U" in written:
                written = PYTHON_ESCAPE.sub(json_escape, written)
        return written.replace(b"\x7f", b"\\u007f").decode("ascii")


def json_escape(found: re.Match) -> bytes:
    """``json``'s escape of one ``backslashreplace`` escape (a surrogate pair past U+FFFF)."""
    latin, astral = found.group(1), found.group(2)
    if latin is not None:
        return b"\\u00" + latin
    if astral is None:
        return found.group(0)
    code = int(astral, 16) - 0x10000
    return b"\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


def numbers_may_differ(written: bytes) -> bool:
    """Whether orjson's bytes may hold a number ``json`` writes otherwise (a string that
    looks like one only costs the fallback)."""
    if b"null" in written or b"0.0000" in written:
        return True
    return b"e-" in written and any(
        written[found.start() - 1] in b"0123456789" for found in EXPONENT.finditer(written))
