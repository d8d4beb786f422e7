"""Mail: the preference parameters ``update_user`` takes, ``mail_alias`` of
``update_project``, ``notify`` of the team actions, and ``get_mail_deliveries``."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from models.mail import DIGEST_CHOICES, MAIL_STATES, MailOut
from schemas.base import Choice, Email, EmailList, Id, Text, datetime_out
from schemas.paging import PagedIn


class AliasText(Text):
    """A project's mail address before the @: letters, digits, ``.``, ``_``, ``-``; empty
    removes it."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if text and not (len(text) <= 64 and text[0].isalnum() and text.isascii()
                         and all(c.isalnum() or c in "._-" for c in text)):
            raise ValidationError("letters, digits, '.', '_' or '-' (64 at most), "
                                  "or empty to remove it")
        return text


DIGEST_WORDS = tuple(str(minutes) for minutes in DIGEST_CHOICES)  # update_user notify_digest


def team_notify_field() -> EmailList:
    return EmailList()  # a team's notification list; empty clears it


def mail_alias_field() -> AliasText:
    return AliasText(allow_none=False)


class GetMailDeliveriesIn(PagedIn):
    status = Choice(MAIL_STATES)
    email = Email()
    id_task = Id()


def mail_rows(mails: list[MailOut]) -> list[dict[str, Any]]:
    return [{"id": str(m.id), "email": m.address, "kind": m.kind, "subject": m.subject,
             "id_task": str(m.task_id) if m.task_id else "", "changes": m.changes,
             "status": m.status, "attempts": m.attempts, "error": m.last_error,
             "date_added": datetime_out(m.created), "date_sent": datetime_out(m.sent)}
            for m in mails]
