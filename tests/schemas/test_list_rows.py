"""The lean row writers of the hot lists write what their marshmallow ``Out`` schemas write,
key for key and in the same order, for the rows that differ in what they leave out."""

from __future__ import annotations

import datetime as dt
import decimal

from peewee import JOIN

from models.comments import Comment
from models.costs import Cost
from models.events import Event, record
from models.files import File
from models.members import Team, User
from models.projects import Project
from models.tasks import Task
from schemas.comments import (
    COMMENT_COLUMNS,
    FILE_REF_COLUMNS,
    CommentOut,
    comment_row,
    file_refs,
)
from schemas.costs import CostOut, cost_row
from schemas.events import EVENT_COLUMNS, EventOut, event_row
from schemas.files import FILE_COLUMNS, FileOut, file_row
from schemas.members import USER_COLUMNS, UserOut, user_row

MOMENT = dt.datetime(2026, 5, 4, 3, 2, 1)


def same(lean: dict, marshmallow: dict) -> None:
    assert list(lean.items()) == list(marshmallow.items())


def test_users(app):
    User.create(email="plain@ws.com", team=None, rate=decimal.Decimal("12.50"))
    User.create(email="full@ws.com", first_name="Ann", last_name="", team=Team.main(),
                role="account admin", phone="1", address2="Kyiv", rate=decimal.Decimal(40))
    rows = User.select(*USER_COLUMNS).join(Team, JOIN.LEFT_OUTER).order_by(User.id).tuples()
    users = User.select(User, Team).join(Team, JOIN.LEFT_OUTER).order_by(User.id)
    for row, user in zip(rows, users, strict=True):
        same(user_row(row), UserOut().dump(user))


def test_events(app):
    user = User.owner()
    record("post", "task", 7, "/project/1/7/", user=user, new={"title": "T"})
    record("update", "task", 7, "/project/1/7/", user=None, new={}, old={"title": "T"})
    record("close", "project", 1, "/project/1/", user=user)
    record("update", "task", 7, "/project/1/7/", user=user,  # read by json, as orjson differs
           new={"max_money": 2**70 + 1, "name": "Café 😀"}, old={"max_money": float("nan")})
    Event.update(date_added=MOMENT).execute()
    rows = Event.select(*EVENT_COLUMNS).join(User, JOIN.LEFT_OUTER).order_by(Event.id).tuples()
    events = Event.select(Event, User).join(User, JOIN.LEFT_OUTER).order_by(Event.id)
    for row, event in zip(rows, events, strict=True):
        same(event_row(row), EventOut().dump(event))


def a_task() -> Task:
    project = Project.create(name="P", author=User.owner())
    return Task.create(project=project, name="T", author=User.owner())


def test_comments_with_and_without_files(app):
    task = a_task()
    plain = Comment.create(task=task, author=User.owner(), text="plain")
    Comment.create(task=task, author=User.owner(), text="", date_modified=MOMENT)
    File.create(name="a.txt", size=3, sha256="0" * 64, author=User.owner(), comment=plain)
    rows = Comment.select(*COMMENT_COLUMNS).join(User).order_by(Comment.id).tuples()
    files = file_refs(File.select(*FILE_REF_COLUMNS).order_by(File.id).tuples())
    for row, comment in zip(rows, Comment.select().order_by(Comment.id), strict=True):
        comment.attached = list(File.select().where(File.comment == comment.id))
        same(comment_row(row, task.page, files.get(comment.id)), CommentOut().dump(comment))
        same(comment_row(row, task.page), CommentOut(exclude=("files",)).dump(comment))


def test_files(app):
    File.create(name="a.txt", size=3, sha256="0" * 64, author=User.owner(), task=a_task())
    row = File.select(*FILE_COLUMNS).join(User).tuples().get()
    same(file_row(row), FileOut().dump(File.get()))


def test_costs(app):
    for is_timer in (False, True):
        Cost.create(task=a_task(), user=User.owner(), minutes=95, cents=1234, comment="c",
                    date=MOMENT.date(), is_timer=is_timer)
    for cost in Cost.select():
        same(cost_row(cost, {"id": "task"}), {**CostOut().dump(cost), "task": {"id": "task"}})
