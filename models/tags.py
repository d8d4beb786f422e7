"""Tags of tasks and projects: statuses and labels, in groups."""

from __future__ import annotations

from peewee import CharField, CompositeKey, ForeignKeyField

from models.base import BaseModel
from models.ids import IdField
from models.projects import Project
from models.tasks import Task

TAG_SCOPES = ("task", "project")
TAG_TYPES = ("status", "label")
TAG_ACCESS = ("public", "private")


class TagGroup(BaseModel):
    id = IdField()
    scope = CharField(max_length=8, default="task")  # task | project
    title = CharField(max_length=500)
    type = CharField(max_length=8, default="label")  # status | label
    access = CharField(max_length=8, default="public")  # public | private

    class Meta:
        table_name = "tag_groups"
        indexes = ((("scope", "title"), True),)


class Tag(BaseModel):
    id = IdField()
    group = ForeignKeyField(TagGroup, backref="tags", on_delete="CASCADE")
    title = CharField(max_length=500)

    class Meta:
        table_name = "tags"
        indexes = ((("group", "title"), True),)


class TaskTag(BaseModel):
    task = ForeignKeyField(Task, backref="tag_links", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="task_links", on_delete="CASCADE")

    class Meta:
        table_name = "task_tags"
        primary_key = CompositeKey("task", "tag")


class ProjectTag(BaseModel):
    project = ForeignKeyField(Project, backref="tag_links", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="project_links", on_delete="CASCADE")

    class Meta:
        table_name = "project_tags"
        primary_key = CompositeKey("project", "tag")
