"""Comments on tasks."""

from __future__ import annotations

from peewee import BooleanField, CompositeKey, DateTimeField, ForeignKeyField, TextField

from models.base import BaseModel, now
from models.ids import IdField
from models.members import User
from models.tasks import Task


class Comment(BaseModel):
    id = IdField()
    task = ForeignKeyField(Task, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="comments")
    text = TextField(default="")
    date_added = DateTimeField(default=now, index=True)
    hidden = BooleanField(default=False)  # visible only to the users in CommentVisibility
    date_modified = DateTimeField(null=True)  # the last update_comment

    class Meta:
        table_name = "comments"
        indexes = ((("task", "date_added", "id"), False),)  # a task's comments by keyset

    @property
    def page(self) -> str:
        return f"{self.task.page}#com{self.id}"


class CommentVisibility(BaseModel):
    comment = ForeignKeyField(Comment, backref="visible_to", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "comment_visibility"
        primary_key = CompositeKey("comment", "user")
