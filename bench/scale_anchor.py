"""The anchor of the list measurements: the same rows and columns as the action's answer, read
with the bare driver (``sqlite3`` or ``psycopg``), turned into Worksection's dicts by hand
and encoded with ``json.dumps``. What a list costs per row with no framework in the way."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from urllib.parse import urlparse

PERIOD = dt.timedelta(days=30)
NOONE = {"id": "1", "email": "NOONE", "name": "Executive isn't assigned"}
PERSON = "{0}.id, {0}.email, {0}.first_name, {0}.last_name"
TASKS = f"""
SELECT t.id, t.name, t.project_id, t.status, t.priority, t.date_added, p.name,
       {PERSON.format("a")}, {PERSON.format("u")}
FROM tasks t JOIN projects p ON p.id = t.project_id JOIN members a ON a.id = t.author_id
LEFT JOIN members u ON u.id = t.user_to_id
WHERE t.parent_id IS NULL AND p.status <> 'archive' ORDER BY t.id"""
COMMENTS = f"""
SELECT c.id, c.task_id, c.text, c.date_added, {PERSON.format("m")}
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY task_id
                                    ORDER BY date_added DESC, id DESC) AS rank
      FROM comments) ranked
JOIN comments c ON c.id = ranked.id JOIN members m ON m.id = c.author_id
WHERE ranked.rank <= 5 ORDER BY c.task_id, c.date_added DESC, c.id DESC"""
EVENTS = f"""
SELECT e.action, e.object_type, e.object_id, e.page, e.date_added, {PERSON.format("m")},
       e.new, e.old
FROM events e LEFT JOIN members m ON m.id = e.user_id
WHERE e.date_added >= {{mark}} ORDER BY e.date_added, e.id"""


def connect(database_url: str):
    url = urlparse(database_url)
    if url.scheme == "sqlite":
        return sqlite3.connect(url.path), "?"
    return postgres_driver().connect(database_url), "%s"


def postgres_driver():
    """The driver the app runs on: psycopg 3, or psycopg2 on code from before it."""
    try:
        import psycopg
    except ImportError:
        import psycopg2 as psycopg
    return psycopg


def minute(value) -> str:
    """Worksection's "YYYY-MM-DD HH:MM" from SQLite's text or PostgreSQL's datetime."""
    return value[:16] if isinstance(value, str) else value.strftime("%Y-%m-%d %H:%M")


def person(user_id, email, first, last) -> dict:
    if user_id is None:
        return NOONE
    return {"id": str(user_id), "email": email, "name": " ".join(p for p in (first, last) if p)}


def task(row) -> dict:
    task_id, name, project, status, priority, added, project_name = row[:7]
    return {"id": str(task_id), "name": name, "page": f"/project/{project}/{task_id}/",
            "status": status, "priority": str(priority), "user_from": person(*row[7:11]),
            "user_to": person(*row[11:15]),
            "project": {"id": str(project), "name": project_name, "page": f"/project/{project}/"},
            "date_added": minute(added)}


def with_comments(cursor, tasks: list[dict]) -> int:
    """Add each task's last five comments; return how many."""
    by_id = {int(item["id"]): item for item in tasks}
    for item in tasks:
        item.update({"has_comments": 0, "comments": []})
    cursor.execute(COMMENTS)
    count = 0
    for comment_id, task_id, text, added, *author in cursor:
        item = by_id[task_id]
        item["has_comments"] = 1
        item["comments"].append({"id": str(comment_id), "page": f"{item['page']}#com{comment_id}",
                                 "text": text, "date_added": minute(added),
                                 "user_from": person(*author)})
        count += 1
    return count


def event(row) -> dict:
    action, kind, object_id, page, added, *user, new, old = row
    answer = {"action": action, "object": {"type": kind, "id": str(object_id), "page": page},
              "date_added": minute(added), "user_from": person(*user)}
    for name, values in (("new", new), ("old", old)):
        if values is not None and (parsed := json.loads(values)):
            answer[name] = parsed
    return answer


def anchor(database_url: str, listing: str) -> tuple[bytes, int]:
    """The answer of ``listing`` (get_all_tasks, get_all_tasks_comments, get_events) built
    from one or two bare queries, and the number of rows listed."""
    connection, mark = connect(database_url)
    cursor = connection.cursor()
    if listing == "get_events":
        since = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - PERIOD
        cursor.execute(EVENTS.format(mark=mark), (str(since),))
        data = [event(row) for row in cursor]
        rows = len(data)
    else:
        cursor.execute(TASKS)
        data = [task(row) for row in cursor]
        rows = len(data)
        if listing == "get_all_tasks_comments":
            rows += with_comments(cursor, data)
    body = json.dumps({"status": "ok", "data": data}, ensure_ascii=False, separators=(",", ":"))
    connection.close()
    return body.encode(), rows


def post_task_anchor(database_url: str, project: int):
    """``post_task``'s writes with the bare driver, one transaction per call: read the project
    and the owner, insert the task, its author's subscription and its event (the event's
    ``new`` encoded by ``json.dumps``), commit. Returns the call."""
    connection, mark = connect(database_url)
    returning = "" if mark == "?" else " RETURNING id"

    def call() -> None:
        cursor = connection.cursor()
        cursor.execute(f"SELECT id, name, status, default_user_to_id, default_to_any "
                       f"FROM projects WHERE id = {mark}", (project,))
        project_row = cursor.fetchone()
        cursor.execute("SELECT id, email FROM members WHERE role = 'owner' LIMIT 1")
        owner = cursor.fetchone()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        values = (project_row[0], 0, "Bench", "", "active", 1, owner[0], None, False, now, False)
        cursor.execute(
            "INSERT INTO tasks (project_id, depth, name, text, status, priority, author_id, "
            "user_to_id, user_to_any, date_added, hidden) VALUES "
            f"({', '.join([mark] * len(values))}){returning}", values)
        task = cursor.fetchone()[0] if returning else cursor.lastrowid
        cursor.execute(f"INSERT INTO task_subscribers (task_id, user_id) VALUES ({mark}, {mark})",
                       (task, owner[0]))
        new = json.dumps({"title": "Bench", "user_to": "NOONE"}, ensure_ascii=False)
        cursor.execute(
            "INSERT INTO events (date_added, user_id, action, object_type, object_id, page, "
            f"project_id, task_id, new) VALUES ({', '.join([mark] * 9)})",
            (now, owner[0], "post", "task", task, f"/project/{project}/{task}/", project, task,
             new))
        connection.commit()
        json.dumps({"status": "ok", "data": {"id": str(task), "name": "Bench"}})

    return call
