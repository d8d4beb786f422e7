"""Custom fields of tasks and of projects: their definitions and the values set on them."""

from __future__ import annotations

import json

from peewee import (
    JOIN,
    BooleanField,
    CharField,
    DateField,
    DecimalField,
    ForeignKeyField,
    TextField,
)

from models.base import BaseModel
from models.ids import IdField
from models.members import User
from models.projects import Project
from models.tasks import Task

FIELD_SCOPES = ("task", "project")
FIELD_TYPES = ("string", "text", "number", "date", "select", "checkbox", "user")
# The CustomValue column that holds a value of each type.
VALUE_COLUMNS = {"string": "value_text", "text": "value_text", "select": "value_text",
                 "number": "value_number", "date": "value_date", "checkbox": "value_flag",
                 "user": "value_user"}


class CustomField(BaseModel):
    """A field every task (or every project) may carry; names are unique in a scope."""

    id = IdField()
    scope = CharField(max_length=8)  # task | project
    name = CharField(max_length=500)
    type = CharField(max_length=16)
    descr = TextField(default="")
    options_json = TextField(default="[]")  # the choices of a select field, in order

    class Meta:
        table_name = "custom_fields"
        indexes = ((("scope", "name"), True),)

    @property
    def options(self) -> list[str]:
        return json.loads(self.options_json or "[]")

    @options.setter
    def options(self, values: list[str]) -> None:
        self.options_json = json.dumps(values, ensure_ascii=False)


class CustomValue(BaseModel):
    """The value of one field on one task or project, in the column of the field's type
    (``VALUE_COLUMNS``). A cleared value has no row."""

    id = IdField()
    field = ForeignKeyField(CustomField, backref="values", on_delete="CASCADE")
    task = ForeignKeyField(Task, null=True, backref="custom_values", on_delete="CASCADE")
    project = ForeignKeyField(Project, null=True, backref="custom_values", on_delete="CASCADE")
    value_text = TextField(null=True)
    value_number = DecimalField(max_digits=21, decimal_places=6, null=True)
    value_date = DateField(null=True)
    value_flag = BooleanField(null=True)
    value_user = ForeignKeyField(User, null=True, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "custom_values"
        indexes = ((("field", "task"), True), (("field", "project"), True))

    @classmethod
    def of(cls, scope: str, owner_ids: list[int]):
        """The values of these tasks (or projects) with their fields and users, one query."""
        owner = cls.task if scope == "task" else cls.project
        return (cls.select(cls, CustomField, User).join(CustomField)
                .switch(cls).join(User, JOIN.LEFT_OUTER, on=cls.value_user)
                .where(owner.in_(owner_ids)).order_by(CustomField.id))
