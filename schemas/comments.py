"""Input and output schemas of comments on tasks."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validates_schema

from schemas.base import (
    Email,
    EmailList,
    Id,
    Lines,
    LongText,
    Out,
    Params,
    StrId,
    Words,
    datetime_out,
)
from schemas.envelope import FieldRequired
from schemas.files import Uploads
from schemas.members import user_ref


class GetCommentsIn(Params):
    id_task = Id(required=True)
    extra = Words({"files"}, load_default=set)


class PostCommentIn(Params):
    """One of ``text``, ``todo[]`` (or an attached file) is required; the handler checks it
    after the task, as Worksection answers "Task is invalid" first."""

    id_task = Id(required=True)
    text = LongText()
    todo = Lines()
    email_user_from = Email()
    hidden = EmailList()
    mention = EmailList()
    attach = Uploads()  # attach[n] multipart parts


class UpdateCommentIn(Params):
    id_comment = Id(required=True)
    text = LongText(required=True)
    email_user_from = Email()

    @validates_schema
    def text_not_blank(self, data: dict[str, Any], **_: Any) -> None:
        if not data["text"]:  # spaces only: stripped to nothing
            raise FieldRequired(details="text")


class CommentIdIn(Params):
    id_comment = Id(required=True)
    email_user_from = Email()


def file_ref(file: Any) -> dict[str, str]:
    """A file attached to a comment, in Worksection's key order."""
    return {"id": str(file.id), "size": str(file.size), "name": file.name, "page": file.page}


class CommentOut(Out):
    """A comment; ``files`` reads ``comment.attached``, set by ``get_comments``."""

    OPTIONAL = ("files", "date_modified")

    id = StrId()
    page = fields.String()
    text = fields.String()
    date_added = fields.Function(lambda comment: datetime_out(comment.date_added))
    date_modified = fields.Function(lambda comment: datetime_out(comment.date_modified))
    user_from = fields.Function(lambda comment: user_ref(comment.author))
    files = fields.Function(
        lambda comment: [file_ref(f) for f in getattr(comment, "attached", ())] or None)
