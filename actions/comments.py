"""Comments on tasks."""

from __future__ import annotations

from typing import Any

from actions.attachments import save_attachments
from actions.caller import acting_user, read_as
from actions.lookups import composed_text, task_or_fail, users_or_fail, visible_comments
from actions.mail.outbox import note_mentions
from actions.registry import action
from models.base import now
from models.comments import Comment, CommentVisibility
from models.compiled import inserted
from models.events import Event, record
from models.files import File
from models.members import User
from models.tasks import Task
from schemas.comments import (
    COMMENT_COLUMNS,
    FILE_REF_COLUMNS,
    CommentIdIn,
    CommentOut,
    GetCommentsIn,
    PostCommentIn,
    UpdateCommentIn,
    comment_row,
    file_refs,
)
from schemas.envelope import ApiError, TaskInvalid
from schemas.paging import Dump, listing

comment_out = CommentOut(exclude=("files",))


class OneOfRequired(ApiError):
    status_code, message = 10, "At least one of fields required"


class CommentInvalid(ApiError):
    status_code, message = 10, "Comment is invalid"


@action(GetCommentsIn)
def get_comments(params):
    """Get the comments of a task, newest first."""
    task = task_or_fail(params["id_task"])
    return listing(comments_of(task), params, (Comment.date_added.desc(), Comment.id.desc()),
                   comment_rows(task.page, "files" in params["extra"]), rows=with_authors)


@action(PostCommentIn, writes=True)
def post_comment(params):
    """Post a comment on a task (text and/or a checklist, hidden from all but some users)."""
    email = params.get("email_user_from")
    task, owner, comment_id = read_as(Task, Comment, params["id_task"], email, task_or_fail,
                                      TaskInvalid)
    if not any(params.get(name) for name in ("text", "todo", "attach")):
        raise OneOfRequired(details="text, todo")  # files alone make a comment too
    author = acting_user(email, owner)
    readers = users_or_fail(params.get("hidden", []))
    comment = Comment(id=comment_id, task=task, author=author, text=composed_text(params),
                      hidden=bool(readers))
    inserted(comment, later=comment_id is not None)  # its id taken ahead: it can wait
    show_only_to(comment, readers)
    save_attachments(params.get("attach", []), author, comment=comment)
    note_mentions(record_post(comment, task), params.get("mention", []))
    return comment_out.dump(comment)


@action(UpdateCommentIn, writes=True)
def update_comment(params):
    """Replace the text of a comment (a Taskgate extension)."""
    comment = comment_or_fail(params["id_comment"])
    user = acting_user(params.get("email_user_from"))
    old, comment.text, comment.date_modified = comment.text, params["text"], now()
    comment.save()
    if comment.text != old:
        record_comment("update", comment, user, new={"text": comment.text}, old={"text": old})
    return comment_out.dump(comment)


@action(CommentIdIn, writes=True)
def delete_comment(params):
    """Delete a comment with its files (a Taskgate extension)."""
    comment = comment_or_fail(params["id_comment"])
    user = acting_user(params.get("email_user_from"))
    record_comment("delete", comment, user, old={"text": comment.text})
    comment.delete_instance()


def comment_or_fail(id_comment: int) -> Comment:
    """The comment, if the caller may see it (as ``task_or_fail`` treats hidden tasks)."""
    comment = visible_comments(Comment.select().where(Comment.id == id_comment)).first()
    if comment is None:
        raise CommentInvalid()
    return comment


def show_only_to(comment: Comment, readers: list[User]) -> None:
    """A hidden comment: record who may read it (besides its author)."""
    if readers:
        CommentVisibility.insert_many([(comment.id, user.id) for user in readers],
                                      fields=[CommentVisibility.comment, CommentVisibility.user]
                                      ).execute()


def comments_of(task: Task):
    """The task's comments the caller may read."""
    return visible_comments(Comment.select().where(Comment.task == task))


def with_authors(query):
    """Comments with the columns ``comment_rows`` writes."""
    return query.select(*COMMENT_COLUMNS).join(User).tuples()


def comment_rows(task_page: str, with_files: bool) -> Dump:
    """A batch of :func:`comments_of` rows as Worksection writes them; with their files
    (extra=files) from one query a batch."""
    def dump(rows: list[tuple]) -> list[dict[str, Any]]:
        files = files_of([row[0] for row in rows]) if with_files and rows else {}
        return [comment_row(row, task_page, files.get(row[0])) for row in rows]
    return dump


def files_of(comment_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    query = File.select(*FILE_REF_COLUMNS).where(File.comment.in_(comment_ids))
    return file_refs(query.order_by(File.id).tuples())


def record_post(comment: Comment, task: Task) -> Event:
    # Worksection's comment events point object.page at the task, not at the comment anchor.
    return record("post", "comment", comment.id, task.page, user=comment.author,
                  project_id=task.project_id, task_id=task.id, new={"text": comment.text})


def record_comment(kind: str, comment: Comment, user: User, **values: Any) -> None:
    task = comment.task
    record(kind, "comment", comment.id, task.page, user=user, project_id=task.project_id,
           task_id=task.id, **values)
