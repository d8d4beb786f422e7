"""Lists are streamed: the same bytes as a whole answer, the transaction open until the last
row, the connection closed after it (or when the client leaves before reading)."""

from __future__ import annotations

import json

from actions.gateway import streaming
from models.base import db
from models.events import Event
from tests.conftest import md5_hash, php_query, post_task


def add_events(api, website, count):
    for n in range(count):
        post_task(api, website, title=f"Task {n}")


def events(api, **options):
    query = php_query({"action": "get_events", "period": "1d"})
    return api.client.get(f"{api.path}?{query}&hash={md5_hash(query)}", **options)


def test_a_streamed_list_is_the_whole_answer_byte_for_byte(api, app, website):
    add_events(api, website, 3)
    response = events(api)
    assert response.is_streamed
    body = response.get_data(as_text=True)
    answer = json.loads(body)
    assert answer["status"] == "ok" and len(answer["data"]) == Event.select().count()
    with app.app_context():
        whole = app.json.response(answer).get_data(as_text=True)
    assert body == whole


def test_rows_are_written_a_chunk_at_a_time(api, website, monkeypatch):
    monkeypatch.setattr(streaming, "CHUNK", 2)
    add_events(api, website, 5)
    response = events(api, buffered=False)
    pieces = list(response.response)
    response.close()
    assert len(pieces) >= 4
    assert json.loads("".join(p.decode() if isinstance(p, bytes) else p for p in pieces))


def test_a_client_that_leaves_early_releases_the_database(api, website):
    add_events(api, website, 3)
    response = events(api, buffered=False)
    next(iter(response.response))
    response.close()
    assert db.is_closed() or not db.in_transaction()
    assert post_task(api, website, title="Still writable")
