"""Project folders, tag groups and tags of both scopes, custom fields, and projects with
their members, tags and custom field values."""

from __future__ import annotations

import json
from typing import Any

from actions.importer.ledger import Ledger
from actions.importer.people import folders
from actions.importer.rows import Spec, person, replace_custom_values, replace_links
from actions.importer.shapes import amount, day, moment, tag_ids, to_id, user_id
from models.custom_fields import FIELD_TYPES, CustomField
from models.members import User
from models.projects import PROJECT_OPTIONS, PROJECT_STATUSES, Project, ProjectFolder, ProjectMember
from models.tags import ProjectTag, Tag, TagGroup


def scoped(account: dict[str, Any], name: str, scope: str) -> list[dict[str, Any]]:
    return [{**item, "_scope": scope} for item in account[name]]


def group_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    kind, access = obj.get("type"), obj.get("access")
    return {"scope": obj["_scope"], "title": str(obj.get("title")),
            "type": kind if kind in ("status", "label") else "label",
            "access": access if access in ("public", "private") else "public"}


def tag_group_id(obj: dict[str, Any]) -> int | None:
    group = obj.get("group")
    return to_id(group.get("id")) if isinstance(group, dict) else to_id(group)


def tag_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    group = ledger.local("tag_group", tag_group_id(obj))
    if group is None:
        raise ValueError(f"tag group {tag_group_id(obj)} did not come over")
    return {"group": group, "title": str(obj.get("title"))}


def tag_natural(obj: dict[str, Any], ledger: Ledger) -> Tag | None:
    group = ledger.local("tag_group", tag_group_id(obj))
    return Tag.get_or_none(Tag.group == group, Tag.title == obj.get("title")) if group else None


def field_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    kind = obj.get("type")
    if kind not in FIELD_TYPES:
        raise ValueError(f"unknown custom field type {kind!r}")
    options = obj.get("options") or []
    return {"scope": obj["_scope"], "name": str(obj.get("name")), "type": kind,
            "descr": str(obj.get("descr") or ""),
            "options_json": json.dumps([str(o) for o in options], ensure_ascii=False)}


def project_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    company = obj.get("company")
    status = str(obj.get("status") or "active")
    options = obj.get("options") if isinstance(obj.get("options"), dict) else {}
    author = person(ledger, obj.get("user_from"))
    values = {
        "name": str(obj.get("name") or obj.get("title") or ""), "text": str(obj.get("text") or ""),
        "status": "archive" if status == "archived" else
        status if status in PROJECT_STATUSES else "active",
        "folder": ProjectFolder.get_or_none(ProjectFolder.title == company) if company else None,
        "author": author or User.owner().id, "manager": person(ledger, obj.get("user_to")),
        "date_start": day(obj.get("date_start")), "date_end": day(obj.get("date_end")),
        "date_closed": moment(obj.get("date_closed")),
        "max_time": amount(obj.get("max_time")), "max_money": amount(obj.get("max_money")),
        "options_json": json.dumps({k: int(bool(to_id(options.get(k)) or 0))
                                    for k in PROJECT_OPTIONS}),
    }
    added = moment(obj.get("date_added"))
    return {**values, "date_added": added} if added else values


def project_links(obj: dict[str, Any], local_id: int, ledger: Ledger) -> None:
    members = [ledger.local("user", user_id(u)) for u in obj.get("users") or []]
    replace_links(ProjectMember, ProjectMember.project, local_id, ProjectMember.user, members,
                  ledger.fresh)
    tags = [ledger.local("tag", t) for t in tag_ids(obj.get("tags"))]
    replace_links(ProjectTag, ProjectTag.project, local_id, ProjectTag.tag, tags, ledger.fresh)
    if "custom_fields" in obj:
        replace_custom_values("project", local_id, obj["custom_fields"], ledger)


def specs(account: dict[str, Any]) -> list[Spec]:
    groups = lambda a: scoped(a, "task_tag_groups", "task") + scoped(  # noqa: E731
        a, "project_tag_groups", "project")
    return [
        Spec("project_folder", ProjectFolder, lambda a: folders(a, "project_groups"),
             lambda o, ledger, new: {"title": str(o.get("title"))},
             natural=lambda o, ledger: ProjectFolder.get_or_none(
                 ProjectFolder.title == o.get("title"))),
        Spec("tag_group", TagGroup, groups, group_fields,
             natural=lambda o, ledger: TagGroup.get_or_none(
                 TagGroup.scope == o["_scope"], TagGroup.title == o.get("title"))),
        Spec("tag", Tag, lambda a: a["task_tags"] + a["project_tags"], tag_fields,
             natural=tag_natural),
        Spec("field", CustomField, lambda a: scoped(a, "task_fields", "task") + scoped(
            a, "project_fields", "project"), field_fields,
             natural=lambda o, ledger: CustomField.get_or_none(
                 CustomField.scope == o["_scope"], CustomField.name == o.get("name"))),
        Spec("project", Project, lambda a: a["projects"], project_fields, project_links),
    ]
