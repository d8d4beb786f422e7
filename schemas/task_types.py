"""Input and output schemas of task types and their priorities (Trudesk's ticket types)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from schemas.base import Flag, Id, IdList, Out, Params, StrId, Text
from schemas.notices import HexColor
from schemas.paging import PagedIn

MINUTES_MAX = 10 * 365 * 24 * 60


class TypeName(Text):
    """A type's name: 3 characters at least, as Trudesk asks."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if len(name) < 3:
            raise ValidationError("must be 3 characters at least")
        return name


def OverdueIn() -> fields.Integer:  # noqa: N802
    return fields.Integer(strict=False, validate=validate.Range(
        1, MINUTES_MAX, error=f"must be 1 to {MINUTES_MAX} minutes"))


class AddTaskTypeIn(Params):
    """``priorities``: the ids it allows (default: the default priorities)."""

    name = TypeName(required=True)
    priorities = IdList()


class UpdateTaskTypeIn(Params):
    id = Id(required=True)
    name = TypeName()
    priorities = IdList()


class DeleteTaskTypeIn(Params):
    """``id_type_new`` receives the tasks of the deleted type (required when it has some)."""

    id = Id(required=True)
    id_type_new = Id()


class AddTaskPriorityIn(Params):
    name = Text(required=True)
    overdue_in = OverdueIn()
    html_color = HexColor()
    default = Flag()


class UpdateTaskPriorityIn(AddTaskPriorityIn):
    id = Id(required=True)
    name = Text()


class DeleteTaskPriorityIn(Params):
    id = Id(required=True)
    id_priority_new = Id()


class PriorityOut(Out):
    id = StrId()
    name = fields.String()
    overdue_in = fields.Integer()
    html_color = fields.String()
    default = fields.Function(lambda priority: int(priority.is_default))


class TaskTypeOut(Out):
    """``priorities`` is set by the handler."""

    id = StrId()
    name = fields.String()
    priorities = fields.Function(lambda kind: PriorityOut(many=True).dump(kind.priorities))


def type_ref(kind) -> dict[str, str]:
    return {"id": str(kind.id), "name": kind.name}


class TaskNotesIn(PagedIn):
    id_task = Id(required=True)


class OverdueTasksIn(PagedIn):
    id_project = Id()
