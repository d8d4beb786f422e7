"""Input and output schemas of projects and project folders."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, pre_load, validates

from models.projects import PROJECT_OPTIONS
from schemas.base import (
    Amount,
    Choice,
    Email,
    EmailList,
    Flag,
    Id,
    LongText,
    Number,
    Out,
    Params,
    StrId,
    StringList,
    Text,
    Words,
    WsDate,
    date_out,
    datetime_out,
)
from schemas.custom_fields import CustomValues
from schemas.envelope import FieldRequired
from schemas.files import Uploads
from schemas.mail import mail_alias_field
from schemas.members import NO_MANAGER, user_ref
from schemas.paging import PagedIn

EXTRAS = {"text", "html", "options", "users", "custom_fields"}
STATUS_FILTERS = ("active", "pending", "archive", "archived")

# ``options.<flag>`` cannot be a Python name, so each flag is a field with that data key.
OptionFlagsIn = Params.from_dict(
    {f"option_{name}": Flag(data_key=f"options.{name}") for name in PROJECT_OPTIONS},
    name="OptionFlagsIn")


class ProjectFieldsIn(OptionFlagsIn):
    """What post_project and update_project share; the flags given end up in ``options``."""

    email_manager = Email()
    email_user_to = Text(max_length=254)  # an email, ANY or NOONE
    members = EmailList()
    text = LongText()
    company = Text()
    datestart = WsDate()
    dateend = WsDate()
    max_time = Amount()
    max_money = Amount()
    tags = StringList()
    custom_fields = CustomValues()  # Taskgate extension (see actions.custom_fields)
    extra = Words(EXTRAS, load_default=set)

    @pre_load
    def flatten_options(self, data: Any, **_: Any) -> Any:
        """Also take the flags nested: ``options[allow_close]=1`` or JSON ``{"options": {}}``."""
        nested = data.get("options") if isinstance(data, dict) else None
        if not isinstance(nested, dict):
            return data
        flat = {f"options.{k}": v for k, v in nested.items() if v not in ("", None)}
        return {**{k: v for k, v in data.items() if k != "options"}, **flat}

    @pre_load
    def legacy_manager(self, data: Any, **_: Any) -> Any:
        """The 2018 Jira bridge names the manager ``email_user_manager``."""
        if isinstance(data, dict) and "email_user_manager" in data and "email_manager" not in data:
            return {**data, "email_manager": data["email_user_manager"]}
        return data

    @validates("title")
    def title_not_blank(self, value: str, **_: Any) -> None:
        if not value:  # only spaces: Text strips them
            raise FieldRequired(details="title")

    @post_load
    def gather_options(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["options"] = {name: int(data.pop(f"option_{name}"))
                           for name in PROJECT_OPTIONS if f"option_{name}" in data}
        return data


class PostProjectIn(ProjectFieldsIn):
    title = Text(required=True)
    email_user_from = Email()
    attach = Uploads()  # attach[n] multipart files


class UpdateProjectIn(ProjectFieldsIn):
    KEEP_EMPTY = ("mail_alias",)

    id_project = Id(required=True)
    title = Text()
    mail_alias = mail_alias_field()  # the project's address: <alias>@ the inbound domain


class GetProjectsIn(PagedIn):
    filter = Choice(STATUS_FILTERS)
    extra = Words(EXTRAS, load_default=set)


class GetProjectIn(Params):
    id_project = Id(required=True)
    extra = Words(EXTRAS, load_default=set)


class ProjectIdIn(Params):
    id_project = Id(required=True)


class ProjectMembersIn(Params):
    id_project = Id(required=True)
    members = EmailList(required=True)


class AddProjectGroupIn(Params):
    title = Text(required=True)


class ProjectOut(Out):
    """A project up to ``max_money``; the handler adds ``tags`` and ``users`` (batch-loaded)."""

    OPTIONAL = ("company", "date_start", "date_end", "date_closed", "max_time", "max_money")

    id = StrId()
    name = fields.String()
    page = fields.String()
    status = fields.String()
    company = fields.Function(lambda project: project.folder.title if project.folder_id else "")
    user_from = fields.Function(lambda project: user_ref(project.author))
    user_to = fields.Function(lambda project: user_ref(project.manager, NO_MANAGER))
    text = fields.String()
    date_added = fields.Function(lambda project: datetime_out(project.date_added))
    date_start = fields.Function(lambda project: date_out(project.date_start))
    date_end = fields.Function(lambda project: date_out(project.date_end))
    date_closed = fields.Function(lambda project: datetime_out(project.date_closed))
    options = fields.Function(lambda project: project.options)
    max_time = Number()
    max_money = Number()


class ProjectFolderOut(Out):
    id = StrId()
    title = fields.String()
    type = fields.Constant("folder")
