"""Input and output schemas of tags (statuses and labels) and their groups."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from models.tags import TAG_ACCESS, TAG_TYPES
from schemas.base import TITLE_MAX, Choice, Email, Id, Out, Params, StringList, Text
from schemas.envelope import FieldRequired
from schemas.paging import PagedIn

GROUP_REQUIRED = "group (id or title)"  # Worksection's message_details for a missing group
# ``id_group`` in Worksection's examples is "1" for every task-tag group and "-4" for every
# project-tag group: it names the set of groups (the scope), not the group itself.
TAG_SETS = {"task": "1", "project": "-4"}


class Titles(StringList):
    """Comma-separated names, each at most ``TITLE_MAX`` characters, without repeats; only
    commas and blanks count as no title at all."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        titles = list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))
        if not titles:
            raise self.make_error("required")
        if any(len(title) > TITLE_MAX for title in titles):
            raise ValidationError(f"longer than {TITLE_MAX} characters")
        return titles


class TagGroupFilterIn(PagedIn):
    type = Choice(TAG_TYPES)
    access = Choice(TAG_ACCESS)


class TagFilterIn(TagGroupFilterIn):
    group = Text()


class AddTagsIn(Params):
    """``group`` and ``title`` are checked here, in that order, so that a missing group is
    reported with Worksection's details "group (id or title)"."""

    group = Text()
    title = Titles()

    @validates_schema
    def require_group_and_title(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("group"):
            raise FieldRequired(details=GROUP_REQUIRED)
        if not data.get("title"):
            raise FieldRequired(details="title")


class AddTaskTagGroupsIn(Params):
    type = Choice(TAG_TYPES, required=True)
    access = Choice(TAG_ACCESS, required=True)
    title = Titles(required=True)


class AddProjectTagGroupsIn(Params):
    """Worksection's example creates project groups without a type (``"type": ""``)."""

    title = Titles(required=True)
    access = Choice(TAG_ACCESS, required=True)
    type = Choice(TAG_TYPES, load_default="")


class UpdateTagsIn(Params):
    """``email_user_from`` (the author of the change in the events log) is a Taskgate
    extension; the owner otherwise."""

    plus = StringList()
    minus = StringList()
    email_user_from = Email()


class UpdateTaskTagsIn(UpdateTagsIn):
    id_task = Id(required=True)


class UpdateProjectTagsIn(UpdateTagsIn):
    id_project = Id(required=True)


def group_ref(group: Any) -> dict[str, Any]:
    """The group embedded in a tag (ids as numbers, ``id_group`` as a string)."""
    return {"title": group.title, "id": group.id, "id_group": TAG_SETS[group.scope],
            "type": group.type, "access": group.access}


class TagGroupOut(Out):
    title = fields.String()
    id = fields.Integer()
    type = fields.String()
    access = fields.String()


class TagOut(Out):
    title = fields.String()
    id = fields.Integer()
    group = fields.Function(lambda tag: group_ref(tag.group))
