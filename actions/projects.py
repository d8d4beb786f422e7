"""Projects, their teams (members) and their folders."""

from __future__ import annotations

from typing import Any

from peewee import JOIN

from actions.attachments import save_attachments
from actions.caller import acting_user
from actions.custom_fields import save_values
from actions.lookups import (
    executive,
    known_users,
    project_or_fail,
    tags_named,
    user_or_fail,
    users_or_fail,
    visible_projects,
)
from actions.mail.preferences import project_address, save_alias
from actions.project_dump import dump_projects, tags_by_project
from actions.registry import action
from models.base import now
from models.events import record
from models.members import Team, User
from models.projects import EXCLUSIVE_OPTIONS, Project, ProjectFolder, ProjectMember
from models.tags import ProjectTag
from schemas.base import date_out
from schemas.envelope import ApiError, InvalidValue, ProjectInvalid
from schemas.members import NO_MANAGER, TeamOut, user_ref
from schemas.paging import PagedIn, listed, listing
from schemas.projects import (
    AddProjectGroupIn,
    GetProjectIn,
    GetProjectsIn,
    PostProjectIn,
    ProjectFolderOut,
    ProjectIdIn,
    ProjectMembersIn,
    UpdateProjectIn,
)

folder_out = ProjectFolderOut()
folders_out = ProjectFolderOut(many=True)
teams_out = TeamOut(many=True)

Author, Manager = User.alias("author"), User.alias("manager")
# Parameter → Project field, for the values that are stored as given.
PLAIN_FIELDS = {"title": "name", "text": "text", "datestart": "date_start",
                "dateend": "date_end", "max_time": "max_time", "max_money": "max_money"}


class OptionsConflict(ApiError):
    status_code, message = 11, ("Only one parameter (options.time_require or options.time_today"
                                " or options.timer_only) can be set as 1.")


class AlreadyClosed(ApiError):
    status_code, message = 12, "Project is already closed"


class AlreadyActive(ApiError):
    status_code, message = 12, "Project is already active"


@action(GetProjectsIn)
def get_projects(params):
    """Get all projects, or those with one status."""
    query = visible_projects(Project.select())
    if "filter" in params:  # the docs and the 2026 client say "archived", the server "archive"
        query = query.where(Project.status == params["filter"].replace("archived", "archive"))
    return listing(query, params, (Project.id,), lambda rows: dump_projects(rows, params["extra"]),
                   rows=with_people)


@action(GetProjectIn)
def get_project(params):
    """Get one project."""
    project = project_with_people(params["id_project"])
    return {**dump_projects([project], params["extra"])[0], **project_address(project)}


@action(PostProjectIn, writes=True)
def post_project(params):
    """Create a project (active); its author, manager and members form its team."""
    author = acting_user(params.get("email_user_from"))
    members = known_users(params.get("members", ()))
    project = apply_changes(Project(author=author), params)
    project.save()
    set_members(project, [author, project.manager, *members])
    set_tags(project, params.get("tags", ()))
    save_attachments(params.get("attach", []), author, project=project)
    _, custom = save_values("project", project, params.get("custom_fields", {}))
    record("post", "project", project.id, project.page, user=author, project_id=project.id,
           new={"title": project.name, "user_to": user_ref(project.manager, NO_MANAGER),
                **custom})
    return dump_projects([project], params["extra"])[0]


@action(UpdateProjectIn, writes=True)
def update_project(params):
    """Change a project; only the given fields change (members and tags are replaced)."""
    project = project_with_people(params["id_project"])
    members = users_or_fail(params["members"]) if "members" in params else None
    before = snapshot(project)
    apply_changes(project, params).save()
    if members is not None:
        set_members(project, [project.manager, *members])
    if "tags" in params:
        set_tags(project, params["tags"])
    custom_old, custom_new = save_values("project", project, params.get("custom_fields", {}))
    record_changes(project, {**before, **custom_old}, {**snapshot(project), **custom_new})
    save_alias(project, params)
    return dump_projects([project], params["extra"])[0]


@action(ProjectIdIn, writes=True)
def close_project(params):
    """Archive a project."""
    project = project_or_fail(params["id_project"])
    if project.status == "archive":
        raise AlreadyClosed()
    project.status, project.date_closed = "archive", now()
    project.save()
    record("close", "project", project.id, project.page, user=acting_user(),
           project_id=project.id)


@action(ProjectIdIn, writes=True)
def activate_project(params):
    """Make an archived (or pending) project active again."""
    project = project_or_fail(params["id_project"])
    if project.status == "active":
        raise AlreadyActive()
    project.status = "active"  # date_closed stays: Worksection shows the previous closing time
    project.save()
    record("reopen", "project", project.id, project.page, user=acting_user(),
           project_id=project.id)


@action(ProjectMembersIn, writes=True)
def add_project_members(params):
    """Add account users to a project's team."""
    project = project_or_fail(params["id_project"])
    users = users_or_fail(params["members"])
    before = snapshot(project)
    set_members(project, [*members_of(project), *users])
    record_changes(project, before, snapshot(project))


@action(ProjectMembersIn, writes=True)
def delete_project_members(params):
    """Remove account users from a project's team."""
    project = project_or_fail(params["id_project"])
    gone = {user.id for user in users_or_fail(params["members"])}
    before = snapshot(project)
    set_members(project, [user for user in members_of(project) if user.id not in gone])
    record_changes(project, before, snapshot(project))


@action(PagedIn)
def get_project_groups(params):
    """Get the project folders, then the teams (companies)."""
    folders = ProjectFolder.select().order_by(ProjectFolder.id)
    groups = folders_out.dump(folders) + teams_out.dump(Team.select().order_by(Team.id))
    return listed(groups, params, lambda group: (group["type"] == "company", int(group["id"])))


@action(AddProjectGroupIn, writes=True, aliases=("add_project_groups",))
def add_project_group(params):
    """Create a project folder, unless one with the same title exists."""
    return folder_out.dump(folder_named(params["title"]))


def projects_query():
    """Projects with their folder, author and manager, in one query."""
    return with_people(Project.select())


def with_people(query):
    """``query`` over projects with their folder, author and manager."""
    return (query.select(Project, ProjectFolder, Author, Manager)
            .join_from(Project, ProjectFolder, JOIN.LEFT_OUTER)
            .join_from(Project, Author, on=Project.author)
            .join_from(Project, Manager, JOIN.LEFT_OUTER, on=Project.manager))


def project_with_people(id_project: int) -> Project:
    project = visible_projects(projects_query()).where(Project.id == id_project).first()
    if project is None:
        raise ProjectInvalid()
    return project


def apply_changes(project: Project, params: dict[str, Any]) -> Project:
    """Set the given parameters on ``project`` (looked up, checked, not saved)."""
    for param, field in PLAIN_FIELDS.items():
        if param in params:
            setattr(project, field, params[param])
    if "email_manager" in params:
        project.manager = user_or_fail(params["email_manager"])
    if "email_user_to" in params:
        project.default_user_to, project.default_to_any = executive(params["email_user_to"])
    if params.get("company"):  # only spaces: no folder
        project.folder = folder_named(params["company"])
    project.options = {**project.options, **params["options"]}
    check_rules(project)
    return project


def check_rules(project: Project) -> None:
    """The rules that hold for the resulting project, whatever was given."""
    if project.date_start and project.date_end and project.date_end < project.date_start:
        raise InvalidValue("Invalid dateend: is before datestart", details="dateend")
    if sum(project.options[name] for name in EXCLUSIVE_OPTIONS) > 1:
        raise OptionsConflict()


def folder_named(title: str) -> ProjectFolder:
    folder = ProjectFolder.get_or_none(ProjectFolder.title == title)
    return folder or ProjectFolder.create(title=title)


def members_of(project: Project) -> list[User]:
    return list(User.select().join(ProjectMember).where(ProjectMember.project == project)
                .order_by(User.id))


def set_members(project: Project, users: list[User | None]) -> None:
    """Make the team exactly ``users`` (a missing manager is None and is skipped)."""
    ids = list(dict.fromkeys(user.id for user in users if user is not None))
    ProjectMember.delete().where(ProjectMember.project == project).execute()
    if ids:
        ProjectMember.insert_many([(project.id, i) for i in ids],
                                  fields=[ProjectMember.project, ProjectMember.user]).execute()


def set_tags(project: Project, names_or_ids: Any) -> None:
    tags = tags_named("project", names_or_ids, strict=False)
    tag_ids = list(dict.fromkeys(tag.id for tag in tags))
    ProjectTag.delete().where(ProjectTag.project == project).execute()
    if tag_ids:
        ProjectTag.insert_many([(project.id, i) for i in tag_ids],
                               fields=[ProjectTag.project, ProjectTag.tag]).execute()


def snapshot(project: Project) -> dict[str, Any]:
    """The project's values as the events log shows them (dates YYYY-MM-DD, users as refs)."""
    tags = tags_by_project([project.id]).get(project.id, {})
    return {
        "title": project.name, "text": project.text,
        "company": project.folder.title if project.folder_id else "",
        "user_to": user_ref(project.manager, NO_MANAGER),
        "date_start": date_out(project.date_start), "date_end": date_out(project.date_end),
        "max_time": number_text(project.max_time), "max_money": number_text(project.max_money),
        "options": project.options, "tags": tags,
        "users": [user_ref(user) for user in members_of(project)],
    }


def record_changes(project: Project, before: dict[str, Any], after: dict[str, Any]) -> None:
    """One ``update`` event with the changed fields only (none changed: no event)."""
    changed = [key for key in after if after[key] != before[key]]
    if changed:
        record("update", "project", project.id, project.page, user=acting_user(),
               project_id=project.id, new={k: after[k] for k in changed},
               old={k: before[k] for k in changed})


def number_text(value: Any) -> str:
    """An amount as the events log writes values: text, without needless decimals."""
    return "" if value is None else format(value.normalize(), "f")
