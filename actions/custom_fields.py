"""Custom fields of tasks and of projects: their definitions and their values.

Worksection's API reads the fields (``get_task_custom_fields``, ``get_project_custom_fields``)
and shows the values in tasks and projects (``extra=custom_fields``), but documents no way to
define a field or set a value. Taskgate adds both in the same dialect: ``add_*_custom_field``
(``name``, ``type``, ``descr``, ``options``; idempotent by name in its scope),
``update_*_custom_field`` and ``delete_*_custom_field`` (by ``id``; the values go with the
field, and no task or project event is written for them), and a ``custom_fields`` parameter
on post_task, update_task, post_project and update_project (see ``save_values``)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from actions.lookups import user_or_fail
from actions.registry import action
from models.base import BaseModel
from models.custom_fields import VALUE_COLUMNS, CustomField, CustomValue
from schemas.custom_fields import (
    AddCustomFieldIn,
    CustomFieldIdIn,
    CustomFieldOut,
    OptionsRefused,
    UpdateCustomFieldIn,
    event_value,
    load_value,
    value_out,
)
from schemas.envelope import ApiError, InvalidValue
from schemas.paging import PagedIn, listing

field_out = CustomFieldOut()
fields_out = CustomFieldOut(many=True)

class CustomFieldInvalid(ApiError):
    status_code, message = 10, "Custom field is invalid"


class FieldExists(ApiError):
    status_code, message = 11, "Custom field with this name already exists"


@action(PagedIn)
def get_task_custom_fields(params):
    """Get the custom fields of tasks."""
    return fields_of("task", params)


@action(PagedIn)
def get_project_custom_fields(params):
    """Get the custom fields of projects."""
    return fields_of("project", params)


@action(AddCustomFieldIn, writes=True)
def add_task_custom_field(params):
    """Define a custom field of tasks, unless one has this name (a Taskgate extension)."""
    return field_out.dump(add_field("task", params))


@action(AddCustomFieldIn, writes=True)
def add_project_custom_field(params):
    """Define a custom field of projects, unless one has this name (a Taskgate extension)."""
    return field_out.dump(add_field("project", params))


@action(UpdateCustomFieldIn, writes=True)
def update_task_custom_field(params):
    """Change a task custom field's name, description or options (a Taskgate extension)."""
    return field_out.dump(update_field("task", params))


@action(UpdateCustomFieldIn, writes=True)
def update_project_custom_field(params):
    """Change a project custom field's name, description or options (a Taskgate extension)."""
    return field_out.dump(update_field("project", params))


@action(CustomFieldIdIn, writes=True)
def delete_task_custom_field(params):
    """Delete a task custom field and its values (a Taskgate extension)."""
    field_or_fail("task", params["id"]).delete_instance()


@action(CustomFieldIdIn, writes=True)
def delete_project_custom_field(params):
    """Delete a project custom field and its values (a Taskgate extension)."""
    field_or_fail("project", params["id"]).delete_instance()


def fields_of(scope: str, params: dict[str, Any]):
    query = CustomField.select().where(CustomField.scope == scope)
    return listing(query, params, (CustomField.id,), fields_out.dump)


def field_or_fail(scope: str, id_field: int) -> CustomField:
    field = CustomField.get_or_none(CustomField.id == id_field, CustomField.scope == scope)
    if field is None:
        raise CustomFieldInvalid(details=str(id_field))
    return field


def add_field(scope: str, params: dict[str, Any]) -> CustomField:
    """The field named so in ``scope``, created when there is none; one of another type is
    a conflict (code 11), one of the same type is answered as it is."""
    name = params["name"]
    (CustomField.insert(scope=scope, name=name, type=params["type"],
                        descr=params.get("descr", ""),
                        options_json=json.dumps(params.get("options", []), ensure_ascii=False))
     .on_conflict_ignore().execute())
    field = CustomField.get(CustomField.scope == scope, CustomField.name == name)
    if field.type != params["type"]:
        raise FieldExists(details=name)
    return field


def update_field(scope: str, params: dict[str, Any]) -> CustomField:
    field = field_or_fail(scope, params["id"])
    name = params.get("name", field.name)
    if name != field.name and CustomField.select().where(
            CustomField.scope == scope, CustomField.name == name).exists():
        raise FieldExists(details=name)
    if "options" in params:
        field.options = options_for(field, params["options"])
    field.name, field.descr = name, params.get("descr", field.descr)
    field.save()
    return field


def options_for(field: CustomField, options: list[str]) -> list[str]:
    """New options of a select field: none that a task or project still has may go."""
    if field.type != "select":
        raise OptionsRefused()
    used = (CustomValue.select(CustomValue.value_text).distinct()
            .where(CustomValue.field == field, CustomValue.value_text.not_in(options)))
    still = sorted(row.value_text for row in used)
    if still:
        raise InvalidValue(f"Invalid options: still set: {', '.join(still)}", details="options")
    return options


def values_of(scope: str, owner_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """``{task or project id: [values]}`` in one query, values in field order."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in CustomValue.of(scope, owner_ids) if owner_ids else ():
        found[row.task_id if scope == "task" else row.project_id].append(value_out(row))
    return found


def save_values(scope: str, owner: BaseModel, given: dict[int, Any]) -> tuple[dict, dict]:
    """Set ``custom_fields`` (``{field id: value}``) on a task or project: each value checked
    against its field's type, an empty one clearing the field. Answers the event's
    ``(old, new)``: ``{"custom_fields": {id: value}}`` for the changed fields, or empty."""
    if not given:
        return {}, {}
    fields = fields_by_id(scope, list(given))
    rows = {i: value_row(fields[i], raw, scope, owner) for i, raw in given.items()
            if str("" if raw is None else raw).strip()}
    before = replace_values(scope, owner, list(given), list(rows.values()))
    return changes({str(i): event_value(fields[i], before.get(i)) for i in given},
                   {str(i): event_value(fields[i], rows.get(i)) for i in given})


def fields_by_id(scope: str, ids: list[int]) -> dict[int, CustomField]:
    """The fields of ``scope`` with these ids, or code 10 naming every id that is not one."""
    found = {f.id: f for f in CustomField.select().where(CustomField.id.in_(ids),
                                                          CustomField.scope == scope)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise CustomFieldInvalid(details=",".join(missing))
    return found


def replace_values(scope: str, owner: BaseModel, field_ids: list[int],
                   rows: list[CustomValue]) -> dict[int, CustomValue]:
    """Put ``rows`` in place of the owner's values of these fields; answer the old ones."""
    before = {row.field_id: row for row in CustomValue.of(scope, [owner.id])
              .where(CustomValue.field.in_(field_ids))}
    if before:
        CustomValue.delete().where(CustomValue.id.in_([r.id for r in before.values()])).execute()
    if rows:
        CustomValue.bulk_create(rows)
    return before


def changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict, dict]:
    changed = [key for key in new if new[key] != old[key]]
    if not changed:
        return {}, {}
    return ({"custom_fields": {k: old[k] for k in changed}},
            {"custom_fields": {k: new[k] for k in changed}})


def value_row(field: CustomField, raw: Any, scope: str, owner: BaseModel) -> CustomValue:
    """An unsaved value row for ``owner``; a user field takes an active user's email."""
    value = load_value(field, raw)
    if field.type == "user":
        value = user_or_fail(value)
    return CustomValue(field=field, **{scope: owner, VALUE_COLUMNS[field.type]: value})
