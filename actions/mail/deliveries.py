"""``get_mail_deliveries``: the mails of the outbox with their state (admins)."""

from __future__ import annotations

from actions.registry import action
from models.mail import MailOut
from schemas.mail import GetMailDeliveriesIn, mail_rows
from schemas.paging import listing


@action(GetMailDeliveriesIn)
def get_mail_deliveries(params):
    """Get the notification mails, newest first: pending, sent or failed (a Taskgate
    extension)."""
    query = MailOut.select()
    if "status" in params:
        query = query.where(MailOut.status == params["status"])
    if "email" in params:
        query = query.where(MailOut.address == params["email"])
    if "id_task" in params:
        query = query.where(MailOut.task == params["id_task"])
    return listing(query, params, (MailOut.id.desc(),), mail_rows)
