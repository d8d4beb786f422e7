"""Tags of tasks and projects (statuses and labels) and their groups."""

from __future__ import annotations

from typing import Any

from peewee import Case

from actions.caller import acting_user
from actions.lookups import as_id, project_or_fail, tags_named, task_or_fail
from actions.registry import action
from models.events import record
from models.tags import ProjectTag, Tag, TagGroup, TaskTag
from schemas.envelope import ApiError
from schemas.paging import listing
from schemas.tags import (
    GROUP_REQUIRED,
    AddProjectTagGroupsIn,
    AddTagsIn,
    AddTaskTagGroupsIn,
    TagFilterIn,
    TagGroupFilterIn,
    TagGroupOut,
    TagOut,
    UpdateProjectTagsIn,
    UpdateTaskTagsIn,
)

tags_out = TagOut(many=True)
tag_refs_out = TagOut(many=True, only=("title", "id"))
groups_out = TagGroupOut(many=True)

LINKS = {"task": TaskTag, "project": ProjectTag}  # scope → the table linking tags to objects
# Statuses first, then labels; public before private (the order of Worksection's examples).
GROUP_ORDER = (Case(None, [(TagGroup.type == "status", 0)], 1),
               Case(None, [(TagGroup.access == "public", 0)], 1), TagGroup.id)


class GroupInvalid(ApiError):
    status_code, message = 10, "Tag group is invalid"


@action(TagFilterIn, aliases=("get_tags",))
def get_task_tags(params):
    """Get task tags, optionally of one group, group type or access."""
    return tags_of("task", params)


@action(AddTagsIn, writes=True, aliases=("add_tags",))
def add_task_tags(params):
    """Create task tags in a group; names the group has already are kept."""
    return tag_refs_out.dump(add_tags("task", params))


@action(UpdateTaskTagsIn, writes=True, aliases=("update_tags",))
def update_task_tags(params):
    """Add tags to a task and remove tags from it."""
    task = task_or_fail(params["id_task"])
    user = acting_user(params.get("email_user_from"))
    before, after = retag("task", task, params)
    if before != after:
        record("update", "task", task.id, task.page, user=user, project_id=task.project_id,
               task_id=task.id, old={"tags": before}, new={"tags": after})


@action(TagGroupFilterIn, aliases=("get_tag_groups",))
def get_task_tag_groups(params):
    """Get task tag groups, optionally of one type or access."""
    return groups_of("task", params)


@action(AddTaskTagGroupsIn, writes=True, aliases=("add_tag_groups",))
def add_task_tag_groups(params):
    """Create task tag groups; titles that exist already are kept as they are."""
    return groups_out.dump(add_groups("task", params))


@action(TagFilterIn)
def get_project_tags(params):
    """Get project tags, optionally of one group, group type or access."""
    return tags_of("project", params)


@action(AddTagsIn, writes=True)
def add_project_tags(params):
    """Create project tags in a group; names the group has already are kept."""
    return tag_refs_out.dump(add_tags("project", params))


@action(UpdateProjectTagsIn, writes=True)
def update_project_tags(params):
    """Add tags to a project and remove tags from it."""
    project = project_or_fail(params["id_project"])
    user = acting_user(params.get("email_user_from"))
    before, after = retag("project", project, params)
    if before != after:
        record("update", "project", project.id, project.page, user=user,
               project_id=project.id, old={"tags": before}, new={"tags": after})


@action(TagGroupFilterIn)
def get_project_tag_groups(params):
    """Get project tag groups, optionally of one type or access."""
    return groups_of("project", params)


@action(AddProjectTagGroupsIn, writes=True)
def add_project_tag_groups(params):
    """Create project tag groups; titles that exist already are kept as they are."""
    return groups_out.dump(add_groups("project", params))


def groups_of(scope: str, params: dict[str, Any]):
    return listing(filtered(TagGroup.select(), scope, params), params, GROUP_ORDER,
                   groups_out.dump)


def tags_of(scope: str, params: dict[str, Any]):
    """The tags with their groups (one query, plus one to find a ``group`` filter)."""
    query = filtered(Tag.select(Tag, TagGroup).join(TagGroup), scope, params)
    if "group" in params:
        group = find_group(scope, params["group"])
        query = query.where(Tag.group.in_([group.id] if group else []))
    return listing(query, params, (*GROUP_ORDER, Tag.id), tags_out.dump)


def filtered(query, scope: str, params: dict[str, Any]):
    """``query`` over TagGroup narrowed to a scope and the ``type``/``access`` asked for."""
    query = query.where(TagGroup.scope == scope)
    if "type" in params:  # a project group made without a type behaves as a label group
        types = ("label", "") if params["type"] == "label" else (params["type"],)
        query = query.where(TagGroup.type.in_(types))
    if "access" in params:
        query = query.where(TagGroup.access == params["access"])
    return query


def find_group(scope: str, ref: str) -> TagGroup | None:
    """A group of the scope by id, else by exact title."""
    query = TagGroup.select().where(TagGroup.scope == scope)
    number = as_id(ref)
    by_id = query.where(TagGroup.id == number).first() if number else None
    return by_id or query.where(TagGroup.title == ref).first()


def add_tags(scope: str, params: dict[str, Any]) -> list[Tag]:
    """The tags named in ``title``, in that order; those the group lacks are created."""
    group = find_group(scope, params["group"])
    if group is None:
        raise GroupInvalid(details=GROUP_REQUIRED)
    titles = params["title"]
    known = {tag.title: tag for tag in Tag.select().where(Tag.group == group,
                                                          Tag.title.in_(titles))}
    return [known.get(title) or Tag.create(group=group, title=title) for title in titles]


def add_groups(scope: str, params: dict[str, Any]) -> list[TagGroup]:
    """The groups named in ``title``, in that order; missing ones are created. Statuses are
    always public."""
    titles, kind = params["title"], params["type"]
    access = "public" if kind == "status" else params["access"]
    known = {group.title: group for group in TagGroup.select().where(
        TagGroup.scope == scope, TagGroup.title.in_(titles))}
    return [known.get(title) or TagGroup.create(scope=scope, title=title, type=kind,
                                                access=access) for title in titles]


def retag(scope: str, owner: Any, params: dict[str, Any]) -> tuple[dict[str, str], ...]:
    """Apply ``minus`` then ``plus`` to the tags of a task or project; a status replaces the
    other statuses of its group. Return the tags ``{id: title}`` before and after."""
    link = LINKS[scope]
    owner_field = getattr(link, scope)
    minus = {tag.id for tag in tags_named(scope, params.get("minus", ()))}
    plus = tags_named(scope, params.get("plus", ()))
    current = {tag.id: tag for tag in Tag.select(Tag, TagGroup).join(TagGroup)
               .switch(Tag).join(link).where(owner_field == owner)}
    kept = {id_: tag for id_, tag in current.items() if id_ not in minus}
    for tag in plus:
        if tag.group.type == "status":
            kept = {id_: t for id_, t in kept.items() if t.group_id != tag.group_id}
        kept[tag.id] = tag
    if gone := current.keys() - kept.keys():
        link.delete().where(owner_field == owner, link.tag.in_(list(gone))).execute()
    if added := kept.keys() - current.keys():
        link.insert_many([(owner.id, id_) for id_ in sorted(added)],
                         fields=[owner_field, link.tag]).execute()
    return names(current), names(kept)


def names(tags: dict[int, Tag]) -> dict[str, str]:
    """Tags as task and project objects show them: ``{"<id>": "<title>"}``."""
    return {str(id_): tags[id_].title for id_ in sorted(tags)}
