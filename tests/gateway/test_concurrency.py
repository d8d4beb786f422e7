"""Several server processes writing at once: every acknowledged write is kept, none fails.

On SQLite this is what the IMMEDIATE transactions are for: a read-then-write transaction that
began DEFERRED fails with "database is locked" once another process has written in between.
"""

from __future__ import annotations

import multiprocessing

from conftest import API_KEY, OWNER_EMAIL, SECRET_KEY, md5_hash, php_query

from app import create_app
from models.base import db
from models.members import Team

PROCESSES, WRITES = 4, 60


def write_teams(url: str, worker: int, results) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                      "API_KEY": API_KEY, "OWNER_EMAIL": OWNER_EMAIL})
    client = app.test_client()
    acknowledged, failures = 0, []
    for n in range(WRITES):
        # add_user_group reads (is the title taken?) and then writes: the racy shape.
        query = php_query({"action": "add_user_group", "title": f"Team {worker}-{n}"})
        body = client.get(f"/api/admin/v2/?{query}&hash={md5_hash(query)}").get_json()
        if body["status"] == "ok":
            acknowledged += 1
        else:
            failures.append(body)
    results.put((acknowledged, failures[:3]))


def test_concurrent_writers_lose_nothing_and_fail_nothing(app):
    url = app.config["DATABASE_URL"]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter, as another server
    results = context.Queue()
    workers = [context.Process(target=write_teams, args=(url, w, results))
               for w in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert [failures for _, failures in outcomes] == [[]] * PROCESSES
    assert sum(acknowledged for acknowledged, _ in outcomes) == PROCESSES * WRITES
    with app.app_context():
        assert Team.select().where(Team.title.startswith("Team ")).count() == PROCESSES * WRITES
        db.close()
