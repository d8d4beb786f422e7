"""List answers written as they are read.

A handler answers a list it reads in batches with an iterator (or a :class:`Reply` whose
``data`` is one); :func:`response` writes the same bytes ``jsonify(ok(result))`` would, a
chunk of rows at a time, while the action's transaction and caller stay open until the last
row is out. The status is sent with the first byte, so a handler validates and authorises
everything before it returns its iterator; a failure after that cuts the answer short
(unparseable JSON, and the error in the log), never a half-right answer.

A stream that is writing is alive: each chunk calls :data:`HEARTBEAT` (gunicorn.conf.py sets it
to the worker's ``notify``), so gunicorn's worker timeout stops only a stream that has written
nothing for that long. Such a stop (gunicorn's ``worker_abort``, then ``SystemExit``) is a cut
like any other. When the stream ends, the request log gets a line with its real duration, rows and
statements (``logs.stream_ended``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from itertools import islice
from typing import Any

from flask import current_app, g, stream_with_context

from actions.gateway.logs import stream_ended
from models.base import db
from schemas.envelope import Reply

CHUNK = 200  # rows per write
COMPACT = {"separators": (",", ":")}


def no_heartbeat() -> None:
    """Outside gunicorn nothing watches a worker."""


HEARTBEAT: Callable[[], None] = no_heartbeat
STOPPED: list[str] = []  # why gunicorn stopped this worker (gunicorn.conf.py's worker_abort)


def worker_stopped(reason: str) -> None:
    """The worker is stopping in the middle of its request: a stream it writes is cut."""
    STOPPED.append(reason)


def is_stream(result: Any) -> bool:
    return isinstance(result.data if isinstance(result, Reply) else result, Iterator)


def whole(result: Any) -> Any:
    """``result`` with its rows in a list (debug mode answers indented, unstreamed)."""
    if not is_stream(result):
        return result
    return Reply(list(result.data), **result.top) if isinstance(result, Reply) else list(result)


def response(result: Any, contexts: ExitStack):
    """The streamed envelope of ``result``; ``contexts`` are closed after its last byte."""
    rows = result.data if isinstance(result, Reply) else result
    top = result.top if isinstance(result, Reply) else {}
    g.answered_ok = g.stream_open = True  # the log reads "ok"; teardown leaves the database open
    body = stream_with_context(envelope(rows, top, contexts))
    answer = current_app.response_class(body, mimetype=current_app.json.mimetype)
    answer.call_on_close(lambda: finish(contexts))  # also when the client left before the first row
    return answer


def finish(contexts: ExitStack) -> None:
    contexts.close()
    if not db.is_closed():
        db.close()


def envelope(rows: Iterator[Any], top: dict[str, Any], contexts: ExitStack) -> Iterator[str]:
    dumps, written, ending = current_app.json.dumps, 0, "cut_short"
    rows_text = chunk_writer(current_app.json)
    try:
        with contexts:
            yield '{"status":"ok","data":['
            separator = ""
            for chunk in chunks(rows):
                written += len(chunk)
                yield separator + rows_text(chunk)
                separator = ","
                HEARTBEAT()
            tail = "".join(f",{dumps(key)}:{dumps(value, **COMPACT)}"
                           for key, value in top.items())
            yield f"]{tail}}}\n"
            ending = "complete"
    except GeneratorExit:  # the server closed the answer: the client left, or a stop
        if STOPPED:
            current_app.logger.error("a streamed answer was cut short after %d rows: %s",
                                     written, STOPPED[0])
        ending = "cut_short" if STOPPED else "client_left"
        raise
    except BaseException:  # SystemExit too: the worker stopped (timeout, shutdown)
        current_app.logger.exception("a streamed answer was cut short after %d rows", written)
        raise
    finally:
        g.stream_open = False
        stream_ended(written, ending)


def chunk_writer(provider: Any) -> Callable[[list[Any]], str]:
    """The rows of a chunk as the list ``jsonify`` writes, without its brackets: one orjson
    call for the whole chunk (a third of a listed event's cost went to a call per row), else
    a row at a time where orjson's bytes may differ from ``json``'s (see ``json_provider``)."""
    whole_chunk = getattr(provider, "orjson_dumps", None)
    if not provider.ensure_ascii or provider.sort_keys:  # as OrjsonProvider.dumps decides
        whole_chunk = None

    def rows_text(chunk: list[Any]) -> str:
        written = whole_chunk(chunk) if whole_chunk is not None else None
        if written is not None:
            return written[1:-1]
        return ",".join(provider.dumps(row, **COMPACT) for row in chunk)

    return rows_text


def chunks(rows: Iterable[Any]) -> Iterator[list[Any]]:
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        yield chunk
