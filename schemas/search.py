"""Input schema of ``search_tasks`` (its output is the task of ``schemas.tasks``)."""

from __future__ import annotations

from typing import Any

from marshmallow import validates_schema

from schemas.base import Choice, Email, Id, Words
from schemas.envelope import ApiError
from schemas.filters import TASK_FIELDS, Filter
from schemas.paging import PagedIn
from schemas.tasks import LIST_EXTRAS, Executive

SELECTORS = ("filter", "id_project", "id_task", "email_user_from", "email_user_to")


class AtLeastOne(ApiError):
    status_code, message = 10, "At least one of fields required"


class SearchTasksIn(PagedIn):
    id_project = Id()
    id_task = Id()
    email_user_from = Email()
    email_user_to = Executive()
    filter = Filter(TASK_FIELDS)
    status = Choice(("active", "done"))
    extra = Words(LIST_EXTRAS - {"archive"}, load_default=set)

    @validates_schema
    def needs_a_selector(self, data: dict[str, Any], **_: Any) -> None:
        if not any(name in data for name in SELECTORS):
            raise AtLeastOne(details=", ".join(SELECTORS))
