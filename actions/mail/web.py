"""``/mail/unsubscribe/<token>``: the one-click link of ``List-Unsubscribe`` (RFC 8058). A
mail client POSTs ``List-Unsubscribe=One-Click`` to it; a person who opens it in a browser
gets a page with one button (a link scanner's GET changes nothing)."""

from __future__ import annotations

import html

from flask import Flask, request

from actions.mail.tokens import read_unsubscribe_token
from models.base import db
from models.mail import MailMute
from models.tasks import Task, TaskSubscriber

PAGE = ("<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><p>{text}</p>{form}"
        "</body></html>")
FORM = ('<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Stop the mails about this task</button></form>')


def unsubscribe(token: str):
    pair = read_unsubscribe_token(token)
    task = Task.get_or_none(Task.id == pair[0]) if pair else None
    if task is None:
        return page("This link is not valid (or the task is gone)."), 404
    if request.method == "GET":
        return page(f"Stop the mails about “{task.name}”?", FORM), 200
    with db.atomic():
        TaskSubscriber.delete().where(TaskSubscriber.task == task.id,
                                      TaskSubscriber.user == pair[1]).execute()
        MailMute.insert(task=task.id, user=pair[1]).on_conflict_ignore().execute()
    return page(f"You will get no more mail about “{task.name}”."), 200


def page(text: str, form: str = "") -> tuple:
    body = PAGE.format(text=html.escape(text), form=form)
    return body, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    app.add_url_rule("/mail/unsubscribe/<token>", "mail_unsubscribe",
                     lambda token: answer(token), methods=["GET", "POST"])


def answer(token: str):
    (body, headers), status = unsubscribe(token)
    return body, status, headers
