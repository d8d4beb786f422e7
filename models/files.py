"""Files: uploaded bytes (stored by content hash) and where they are attached."""

from __future__ import annotations

from peewee import BigIntegerField, CharField, DateTimeField, ForeignKeyField

from models.base import BaseModel, now
from models.comments import Comment
from models.ids import IdField
from models.members import User
from models.projects import Project
from models.tasks import Task


class File(BaseModel):
    """One uploaded file. Attached to a project's description, a task's description or a
    comment; a file from ``upload_files`` has none of the three until ``post_task`` takes it."""

    id = IdField()
    name = CharField(max_length=255)
    size = BigIntegerField()
    sha256 = CharField(max_length=64, index=True)
    mimetype = CharField(max_length=200, default="application/octet-stream")
    author = ForeignKeyField(User, backref="files")
    date_added = DateTimeField(default=now)
    project = ForeignKeyField(Project, null=True, backref="files", on_delete="CASCADE")
    task = ForeignKeyField(Task, null=True, backref="files", on_delete="CASCADE")
    comment = ForeignKeyField(Comment, null=True, backref="files", on_delete="CASCADE")

    class Meta:
        table_name = "files"

    @property
    def page(self) -> str:
        return f"/download/{self.id}/"
