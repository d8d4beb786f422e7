"""Projects as the API answers them: ``dump_projects`` and the per-project lookups it makes
in one query each."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from actions.custom_fields import values_of
from models.members import Team, User
from models.projects import Project, ProjectMember
from models.tags import ProjectTag, Tag
from schemas.members import user_ref
from schemas.projects import ProjectOut

project_out = ProjectOut()


def tags_by_project(ids: list[int]) -> dict[int, dict[str, str]]:
    """``{project id: {tag id: tag name}}`` in one query."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    links = (ProjectTag.select(ProjectTag.project, Tag.id, Tag.title).join(Tag)
             .where(ProjectTag.project.in_(ids)).order_by(Tag.id).tuples())
    for project_id, tag_id, title in links:
        found[project_id][str(tag_id)] = title
    return found


def members_by_project(ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """``{project id: [user refs]}`` in one query."""
    found: dict[int, list[dict[str, str]]] = defaultdict(list)
    links = (ProjectMember.select(ProjectMember.project, User).join(User)
             .where(ProjectMember.project.in_(ids)).order_by(User.id))
    for link in links:
        found[link.project_id].append(user_ref(link.user))
    return found


def dump_projects(projects: list[Project], extra: set[str]) -> list[dict[str, Any]]:
    """Projects as Worksection writes them: ``text``, ``options``, ``users`` and
    ``custom_fields`` on request only, ``tags`` when there are any; three queries however
    many projects. Every project has a ``company``: its folder, else the account's main team
    (Postman: a project made with only a title answers the author's team, "Development")."""
    ids = [project.id for project in projects]
    tags = tags_by_project(ids)
    users = members_by_project(ids) if "users" in extra else {}
    custom = values_of("project", ids) if "custom_fields" in extra else {}
    hidden = {"options"} - extra
    if extra.isdisjoint({"text", "html"}):
        hidden.add("text")
    dumped, main_team = [], None
    for project in projects:
        data = {k: v for k, v in project_out.dump(project).items() if k not in hidden}
        if "company" not in data:
            main_team = main_team or Team.main().title
            data = insert_after(data, "status", "company", main_team)
        if tags.get(project.id):
            data["tags"] = tags[project.id]
        if "users" in extra:
            data["users"] = users.get(project.id, [])
        if custom.get(project.id):
            data["custom_fields"] = custom[project.id]
        dumped.append(data)
    return dumped


def insert_after(data: dict[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    """``data`` with ``key`` placed where Worksection writes it."""
    items = list(data.items())
    at = next((i + 1 for i, (k, _) in enumerate(items) if k == after), len(items))
    return dict(items[:at] + [(key, value)] + items[at:])
