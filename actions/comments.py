"""Comments on tasks."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from actions.attachments import save_attachments
from actions.caller import acting_user
from actions.lookups import composed_text, task_or_fail, users_or_fail, visible_comments
from actions.registry import action
from models.base import now
from models.comments import Comment, CommentVisibility
from models.events import record
from models.files import File
from models.members import User
from models.tasks import Task
from schemas.comments import (
    CommentIdIn,
    CommentOut,
    GetCommentsIn,
    PostCommentIn,
    UpdateCommentIn,
)
from schemas.envelope import ApiError

comment_out = CommentOut(exclude=("files",))
comments_out = CommentOut(many=True, exclude=("files",))
comments_with_files_out = CommentOut(many=True)


class OneOfRequired(ApiError):
    status_code, message = 10, "At least one of fields required"


class CommentInvalid(ApiError):
    status_code, message = 10, "Comment is invalid"


@action(GetCommentsIn)
def get_comments(params):
    """Get the comments of a task, newest first."""
    task = task_or_fail(params["id_task"])
    query = Comment.select(Comment, User).join(User).where(Comment.task == task)
    comments = list(visible_comments(query)
                    .order_by(Comment.date_added.desc(), Comment.id.desc()))
    for comment in comments:
        comment.task = task  # the page link needs it; spares a query per comment
    if "files" not in params["extra"]:
        return comments_out.dump(comments)
    attach_loaded_files(comments)
    return comments_with_files_out.dump(comments)


@action(PostCommentIn, writes=True)
def post_comment(params):
    """Post a comment on a task (text and/or a checklist, hidden from all but some users)."""
    task = task_or_fail(params["id_task"])
    if not any(params.get(name) for name in ("text", "todo", "attach")):
        raise OneOfRequired(details="text, todo")  # files alone make a comment too
    author = acting_user(params.get("email_user_from"))
    readers = users_or_fail(params.get("hidden", []))
    comment = Comment.create(task=task, author=author, text=composed_text(params),
                             hidden=bool(readers))
    show_only_to(comment, readers)
    save_attachments(params.get("attach", []), author, comment=comment)
    record_post(comment, task)
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


def attach_loaded_files(comments: list[Comment]) -> None:
    """Set ``comment.attached`` for every comment, from one query."""
    by_comment = defaultdict(list)
    query = File.select().where(File.comment.in_([c.id for c in comments])).order_by(File.id)
    for file in query:
        by_comment[file.comment_id].append(file)
    for comment in comments:
        comment.attached = by_comment[comment.id]


def record_post(comment: Comment, task: Task) -> None:
    # Worksection's comment events point object.page at the task, not at the comment anchor.
    record("post", "comment", comment.id, task.page, user=comment.author,
           project_id=task.project_id, task_id=task.id, new={"text": comment.text})


def record_comment(kind: str, comment: Comment, user: User, **values: Any) -> None:
    task = comment.task
    record(kind, "comment", comment.id, task.page, user=user, project_id=task.project_id,
           task_id=task.id, **values)
