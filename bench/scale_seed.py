"""Seed the scale data set through the real schema, in one transaction, fast.

    python bench/scale_seed.py DATABASE_URL [--tasks 100000] [--projects 100]

The install (schema, owner, admin key) comes from ``ensure_install``; then 999 more users,
100 projects of 1,000 tasks each, three comments per task and one "post" event per task,
dated over the last 29 days (so ``get_events period=30d`` returns every event). Rows go in
with the DB-API cursor on the models' own table and column names, every column filled from
the model's defaults unless given, with explicit ids above those in use; sequences are moved
past them afterwards. Valid for the API: authors and executives are real users, every task
belongs to a project the admin key sees, comments and events point to their tasks.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import itertools
import json
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from peewee import AutoField, PostgresqlDatabase, chunked  # noqa: E402

from bench.common import installed_app  # noqa: E402

USERS, PROJECTS, COMMENTS_PER_TASK = 1000, 100, 3
DAYS = 29
CHUNK = 5000


def seed(database_url: str, tasks: int = 100_000, projects: int = PROJECTS) -> dict:
    """Fill the database; return the rows per table, the seconds it took and the ids the
    measurements use: the first and last project, a task in the middle."""
    from models.base import db

    app = installed_app(database_url)
    started = time.perf_counter()
    with app.app_context(), checks_off(db), db.atomic():
        project_ids, task_ids = fill(tasks, projects)
    if isinstance(db.obj, PostgresqlDatabase):
        with app.app_context():
            db.execute_sql("VACUUM ANALYZE")  # what autovacuum would have done by now
            db.execute_sql("CHECKPOINT")  # the load's dirty pages written before any timing
    seconds = time.perf_counter() - started
    with app.app_context():
        counts = {model._meta.table_name: model.select().count() for model in seeded()}
        db.close()
    return {"rows": counts, "seconds": round(seconds, 1), "project": project_ids[0],
            "last_project": project_ids[-1], "task": task_ids[len(task_ids) // 2]}


def seeded() -> tuple:
    from models.comments import Comment
    from models.events import Event
    from models.members import User
    from models.projects import Project
    from models.tasks import Task

    return User, Project, Task, Comment, Event


def fill(tasks: int, projects: int) -> tuple[list[int], list[int]]:
    """Insert the rows of every seeded table; the project and task ids."""
    from models.base import db, now
    from models.ids import start_ids_at
    from models.members import Team

    User, Project, Task, Comment, Event = seeded()
    rng, moment, team = random.Random(10), now(), Team.main().id
    users = [User.owner().id] + inserted(User, (
        {"email": f"user{n}@example.com", "first_name": f"First{n}", "last_name": f"Last{n}",
         "team": team} for n in range(1, USERS)))
    project_ids = inserted(Project, ({"name": f"Project {n}", "author": rng.choice(users)}
                                     for n in range(projects)))
    dates = [moment - dt.timedelta(minutes=rng.randrange(DAYS * 24 * 60)) for _ in range(tasks)]
    task_rows = list(task_values(tasks, project_ids, users, dates, rng))
    task_ids = inserted(Task, task_rows)
    inserted(Comment, (
        {"task": task, "author": rng.choice(users), "text": f"Comment {n} " + "c" * 80,
         "date_added": date + dt.timedelta(minutes=n + 1)}
        for task, date in zip(task_ids, dates, strict=True) for n in range(COMMENTS_PER_TASK)))
    inserted(Event, (
        {"user": row["author"], "action": "post", "object_type": "task", "object_id": task,
         "page": f"/project/{row['project']}/{task}/", "project_id": row["project"],
         "task_id": task, "date_added": row["date_added"],
         "new": json.dumps({"name": row["name"], "status": "active"})}
        for task, row in zip(task_ids, task_rows, strict=True)))
    if isinstance(db.obj, PostgresqlDatabase):  # explicit ids do not move sequences
        for model in seeded():
            start_ids_at(model, 1)
    return project_ids, task_ids


@contextlib.contextmanager
def checks_off(db):
    """Skip the foreign-key checks while loading rows that are valid by construction (and give
    SQLite a page cache the size of the indexes being filled)."""
    if isinstance(db.obj, PostgresqlDatabase):  # a superuser may; otherwise the checks run
        with contextlib.suppress(Exception), db.atomic():
            db.execute_sql("SET session_replication_role = replica")
        yield
        db.execute_sql("RESET session_replication_role")
        return
    db.execute_sql("PRAGMA cache_size = -262144")
    db.execute_sql("PRAGMA foreign_keys = OFF")
    yield
    db.execute_sql("PRAGMA foreign_keys = ON")


def task_values(count: int, projects: list[int], users: list[int], dates: list[dt.datetime],
                rng: random.Random) -> Iterator[dict]:
    """``count`` top-level tasks, spread evenly over the projects, 4 in 5 with an executive."""
    per_project = count // len(projects) or 1
    for n in range(count):
        yield {"project": projects[min(n // per_project, len(projects) - 1)],
               "name": f"Task {n}", "text": "t" * 200, "author": rng.choice(users),
               "user_to": rng.choice(users) if rng.random() < 0.8 else None,
               "date_added": dates[n]}


def inserted(model, rows: Iterable[dict]) -> list[int]:
    """Insert the rows (field name → a value the driver takes) with ids above those in use,
    every other column at the model's default; return the ids."""
    from models.base import db

    rows = iter(rows)
    first_row = next(rows)
    fixed = [f for f in model._meta.sorted_fields
             if f.name not in first_row and not isinstance(f, AutoField)]
    columns = ["id", *(model._meta.fields[name].column_name for name in first_row),
               *(f.column_name for f in fixed)]
    constants = tuple(f.db_value(f.default() if callable(f.default) else f.default)
                      for f in fixed)
    first = (model.select(model.id).order_by(model.id.desc()).scalar() or 0) + 1
    ids: list[int] = []
    for batch in chunked(itertools.chain([first_row], rows), CHUNK):
        values = [(first + len(ids) + n, *row.values(), *constants)
                  for n, row in enumerate(batch)]
        ids.extend(value[0] for value in values)
        write(db.cursor(), model._meta.table_name, columns, values)
    return ids


def write(cursor, table: str, columns: list[str], values: list[tuple]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    if isinstance(cursor.connection, sqlite3.Connection):
        marks = ", ".join("?" * len(columns))
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)
    else:  # COPY: several times faster than multi-row INSERTs on PostgreSQL
        lines = ("\t".join(copy_text(value) for value in row) for row in values)
        text, sql = "\n".join(lines) + "\n", f'COPY "{table}" ({names}) FROM STDIN'
        if hasattr(cursor, "copy_expert"):  # psycopg2
            cursor.copy_expert(sql, io.StringIO(text))
        else:  # psycopg 3
            with cursor.copy(sql) as copy:
                copy.write(text)


def copy_text(value) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=PROJECTS)
    args = parser.parse_args()
    print(json.dumps(seed(args.database_url, args.tasks, args.projects)))


if __name__ == "__main__":
    main()
