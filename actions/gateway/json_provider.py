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
when it holds characters of U+0080..U+00FF or past U+FFFF (``backslashreplace`` writes those
otherwise), or when its bytes may hold one of those numbers.
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
# UTF-8 lead bytes of U+0080..U+00FF and of U+10000 and beyond.
NOT_ESCAPED_ALIKE = (b"\xc2", b"\xc3", b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")
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
            if any(lead in written for lead in NOT_ESCAPED_ALIKE):
                return None
            written = written.decode().encode("ascii", "backslashreplace")
        return written.replace(b"\x7f", b"\\u007f").decode("ascii")


def numbers_may_differ(written: bytes) -> bool:
    """Whether orjson's bytes may hold a number ``json`` writes otherwise (a string that
    looks like one only costs the fallback)."""
    if b"null" in written or b"0.0000" in written:
        return True
    return b"e-" in written and any(
        written[found.start() - 1] in b"0123456789" for found in EXPONENT.finditer(written))
