"""Input and output schemas of comments on tasks."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validates_schema

from models.comments import Comment
from models.files import File
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
from schemas.members import PERSON, person, user_ref
from schemas.paging import PagedIn


class GetCommentsIn(PagedIn):
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


# get_comments, read as tuples: the columns ``comment_row`` unpacks, in this order.
COMMENT_COLUMNS = (Comment.id, Comment.text, Comment.date_added, Comment.date_modified, *PERSON)
FILE_REF_COLUMNS = (File.comment, File.id, File.size, File.name)


def comment_row(row: tuple, task_page: str, files: list[dict[str, str]] | None = None,
                ) -> dict[str, Any]:
    """A comment as :class:`CommentOut` writes it, from a :data:`COMMENT_COLUMNS` tuple of a
    task whose page is ``task_page``; ``files`` (extra=files) from :func:`file_refs`."""
    id_, text, added, modified, *user = row[:len(COMMENT_COLUMNS)]
    out = {"id": str(id_), "page": f"{task_page}#com{id_}", "text": text,
           "date_added": datetime_out(added)}
    if modified is not None:
        out["date_modified"] = datetime_out(modified)
    out["user_from"] = person(*user)
    if files:
        out["files"] = files
    return out


def file_refs(rows: list[tuple]) -> dict[int, list[dict[str, str]]]:
    """``{comment id: [file refs]}`` from :data:`FILE_REF_COLUMNS` tuples."""
    found: dict[int, list[dict[str, str]]] = {}
    for comment_id, id_, size, name in rows:
        found.setdefault(comment_id, []).append(
            {"id": str(id_), "size": str(size), "name": name, "page": f"/download/{id_}/"})
    return found
