"""The peers' additions to tasks (Taskgate extensions): UserTasks' client-chosen
``task_uid``, several ``assignees`` and ``assigned_groups``; Trudesk's ``type``,
``type_priority``, ``ticket_status`` and an editable ``text``; the fields they add to the task
object (only when set); and the batch read by uids."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from models.usertasks import as_uuid
from schemas.base import EmailList, LongText, Params, StringList, Text, split_list

TICKET_STATUSES = ("New", "Open", "Pending", "Closed")
MAX_UIDS = 1000


class Uuid(fields.Field):
    """A UUID (8-4-4-4-12 hex digits, any case), kept lower-case."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        uid = as_uuid(value)
        if uid is None:
            raise ValidationError("not a UUID")
        return uid


class UuidList(fields.Field):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        items = split_list(value)
        uids = [as_uuid(item) for item in items]
        if None in uids:
            raise ValidationError(f"not a UUID: {items[uids.index(None)]}")
        if len(uids) > MAX_UIDS:
            raise ValidationError(f"at most {MAX_UIDS} uids")
        return list(dict.fromkeys(uids))


class TicketStatus(fields.Field):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        word = str(value).strip().capitalize()
        if word not in TICKET_STATUSES:
            raise ValidationError(f"must be one of {', '.join(TICKET_STATUSES)}")
        return word


class Assignees(EmailList):
    """Emails, or ``none`` for an empty list."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        if [item.lower() for item in split_list(value)] == ["none"]:
            return []
        return super()._deserialize(value, attr, data, **kwargs)


class PeerTaskFieldsIn(Params):
    """What post_task and update_task take for the peers. ``type`` and ``type_priority`` are
    an id or a name; ``assignees`` are emails besides ``email_user_to``; ``assigned_groups``
    are team ids or titles; ``none`` empties either list."""

    task_uid = Uuid()
    text = LongText()
    type = Text()
    type_priority = Text()
    ticket_status = TicketStatus()
    assignees = Assignees()
    assigned_groups = StringList()


class GetTasksByUidsIn(Params):
    task_uids = UuidList(required=True)
    extra = StringList(load_default=list, validate=validate.Length(max=20))


def loaded(name: str) -> fields.Function:
    return fields.Function(lambda task: task.loaded.get(name))


class PeerTaskOut:
    """Fields of the task object that are there only when set (``overdue`` 0|1 whenever the
    task has a priority with an overdue time)."""

    PEER_OPTIONAL = ("task_uid", "type", "type_priority", "ticket_status", "overdue",
                     "assignees", "assigned_groups")

    task_uid = loaded("task_uid")
    type = loaded("type")
    type_priority = loaded("type_priority")
    ticket_status = loaded("ticket_status")
    overdue = loaded("overdue")
    assignees = loaded("assignees")
    assigned_groups = loaded("assigned_groups")
