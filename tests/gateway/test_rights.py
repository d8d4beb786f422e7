"""The one rights check (actions.rights) through each entry point that runs an action: user
tokens, inbound hooks (as their definer now), the CLI; who may give which role; the project
team belongs to its manager and the admins; add_user's password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import OWNER_EMAIL

from actions.caller import Caller, calling_as
from actions.registry import dispatch
from actions.rights import RoleDenied, imported_role
from models.inbound_hooks import InboundHook, token_digest
from models.members import Team, User
from models.projects import Project, ProjectMember
from models.tasks import Task
from models.tokens import SCOPES, Token


def token_of(user: User) -> str:
    return Token.issue("access", user, list(SCOPES))[1]


def as_user(client, user: User, action: str, **params):
    return client.post(f"/api/oauth2?action={action}", json=params,
                       headers={"Authorization": f"Bearer {token_of(user)}"}).get_json()


def hook_of(user: User, action: str, fixed: dict, mapping: dict | None = None) -> str:
    """A hook ``user`` defined (while an account admin, as only they may); its URL."""
    token = f"hook-{action}-{user.id}"
    InboundHook.create(name=token, action=action, user=user, fixed=json.dumps(fixed),
                       mapping=json.dumps(mapping or {}), scopes=",".join(SCOPES),
                       token_hash=token_digest(token))
    return f"/hooks/{token}"


@pytest.fixture
def people(app):
    ops = Team.create(title="Ops")
    made = {role: User.create(email=f"{role.replace(' ', '.')}@ws.com", role=role,
                              team=ops if role.endswith("admin") and role != "account admin"
                              else Team.main())
            for role in ("account admin", "team admin", "department admin", "user")}
    made["owner"] = User.owner()
    made["ops user"] = User.create(email="ops.user@ws.com", team=ops)
    return made


# Finding 4: a hook does what its definer may not.

def test_an_account_admins_hook_cannot_change_the_owner(client, people):
    url = hook_of(people["account admin"], "update_user", {"email": OWNER_EMAIL},
                  {"first_name": "{name}"})
    answer = client.post(url, json={"name": "Mallory"}).get_json()
    assert answer["status"] == "error" and answer["status_code"] == 2
    assert User.owner().first_name != "Mallory"


def test_a_demoted_definers_hook_loses_their_old_rights(client, people):
    definer = people["account admin"]
    url = hook_of(definer, "update_user", {"email": "user@ws.com"}, {"title": "{title}"})
    assert client.post(url, json={"title": "Boss"}).get_json()["status"] == "ok"
    User.update(role="user").where(User.id == definer.id).execute()
    answer = client.post(url, json={"title": "Intern"}).get_json()
    assert answer["status_code"] == 2
    assert User.get_by_id(people["user"].id).title == "Boss"


def test_a_disabled_definers_hook_runs_nothing(client, people):
    definer = people["account admin"]
    url = hook_of(definer, "post_project", {"title": "Ghost"})
    User.update(is_active=False).where(User.id == definer.id).execute()
    response = client.post(url, json={})
    assert response.status_code == 403
    assert not Project.select().where(Project.name == "Ghost").exists()


def test_a_hook_is_checked_on_each_rendered_set_of_parameters(client, people):
    """A team admin's hook: the rendered ids decide, one by one."""
    definer = people["team admin"]
    url = hook_of(definer, "disable_user", {}, {"email": "{email}"})
    assert client.post(url, json={"email": "ops.user@ws.com"}).get_json()["status"] == "ok"
    answer = client.post(url, json={"email": "user@ws.com"}).get_json()  # another team
    assert answer["status_code"] == 2
    assert User.get_by_id(people["user"].id).is_active


# Finding 11: roles nobody could give; who gives which.

@pytest.mark.parametrize(("giver", "role", "allowed"), [
    ("owner", "account admin", True), ("owner", "team admin", True),
    ("account admin", "account admin", False), ("account admin", "team admin", True),
    ("account admin", "department admin", True), ("account admin", "guest", True),
    ("team admin", "department admin", False), ("team admin", "guest", True),
    ("user", "reader", False),
])
def test_who_may_give_which_role(client, people, giver, role, allowed):
    target = people["ops user"]
    answer = as_user(client, people[giver], "update_user", id=target.id, role=role)
    assert (answer["status"] == "ok") is allowed, answer
    assert (User.get_by_id(target.id).role == role) is allowed
    added = as_user(client, people[giver], "add_user", email="new@ws.com", role=role)
    assert (added["status"] == "ok") is allowed, added


def test_nobody_makes_a_second_owner(api, client, people):
    for answer in (api.call("update_user", email="user@ws.com", role="owner"),
                   api.call("add_user", email="new@ws.com", role="owner"),
                   as_user(client, people["owner"], "update_user", email="user@ws.com",
                           role="owner")):
        assert (answer["status_code"], answer["message_details"]) == (11, "role"), answer
    assert User.select().where(User.role == "owner").count() == 1


def test_an_account_admin_cannot_change_another_account_admin(client, people):
    other = User.create(email="other.admin@ws.com", role="account admin")
    answer = as_user(client, people["account admin"], "update_user", id=other.id,
                     email="mallory@evil.test")
    assert answer["status_code"] == 2
    assert as_user(client, people["owner"], "update_user", id=other.id,
                   role="user")["status"] == "ok"


def test_a_team_admin_stays_within_their_team(client, people):
    admin = people["team admin"]
    added = as_user(client, admin, "add_user", email="new@ws.com")
    assert added["data"]["group"] == "Ops"  # their team, not the main one
    for answer in (as_user(client, admin, "add_user", email="x@ws.com", group="Other"),
                   as_user(client, admin, "update_user", email="ops.user@ws.com",
                           group=Team.main().title),
                   as_user(client, admin, "disable_user", email="user@ws.com")):
        assert answer["status_code"] == 2, answer
    assert not Team.select().where(Team.title == "Other").exists()


def test_the_cli_gives_roles_but_not_the_owners(app, people):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "set-role", "user@ws.com", "account admin"])
    assert result.exit_code == 0, result.output
    assert User.get_by_id(people["user"].id).role == "account admin"
    assert runner.invoke(args=["users", "set-role", "user@ws.com", "owner"]).exit_code != 0
    added = runner.invoke(args=["users", "add", "dept@ws.com", "--role", "department admin"])
    assert added.exit_code == 0, added.output


def test_flask_call_as_a_user_has_that_users_rights(app, people):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["call", "--as", "user@ws.com", "update_user",
                                 f"email={OWNER_EMAIL}", "first_name=Mallory"])
    assert result.exit_code == 1 and '"status_code":2' in result.output.replace(" ", "")
    assert User.owner().first_name != "Mallory"


# Finding 11: add_user's password is applied (or refused), never dropped.

def test_add_user_password_lets_the_user_log_in(api, client):
    assert api.call("add_user", email="pat@ws.com", password="s3cret-enough")["status"] == "ok"
    response = client.post("/api/v1/login", json={"username": "pat@ws.com",
                                                  "password": "s3cret-enough"})
    assert response.status_code == 200 and response.get_json()["success"] is True


def test_a_short_password_is_refused_and_nothing_is_added(api):
    answer = api.call("add_user", email="pat@ws.com", password="short")
    assert (answer["status_code"], answer["message_details"]) == (11, "password")
    assert User.by_email("pat@ws.com") is None


# Finding 11: a plain project member runs neither the team nor the project's status.

@pytest.fixture
def managed(api, people):
    """A project the account admin made, managed by the team admin; the user a member."""
    project = Project.create(name="Managed", author=people["account admin"],
                             manager=people["team admin"])
    for role in ("account admin", "team admin", "user"):
        ProjectMember.create(project=project, user=people[role])
    return project


@pytest.mark.parametrize(("action", "params"), [
    ("delete_project_members", {"members": "team.admin@ws.com"}),
    ("add_project_members", {"members": "ops.user@ws.com"}),
    ("update_project", {"email_manager": "user@ws.com"}),
    ("update_project", {"members": "user@ws.com"}),
    ("close_project", {}),
])
def test_a_plain_member_cannot_run_the_projects_team(client, people, managed, action, params):
    answer = as_user(client, people["user"], action, id_project=managed.id, **params)
    assert answer["status_code"] == 2, answer
    fresh = Project.get_by_id(managed.id)
    assert (fresh.status, fresh.manager_id) == ("active", people["team admin"].id)
    assert ProjectMember.select().where(ProjectMember.project == managed).count() == 3
    done = as_user(client, people["team admin"], action, id_project=managed.id, **params)
    assert done["status"] == "ok", done  # the manager may


def test_a_plain_member_cannot_reopen_a_project(client, people, managed):
    Project.update(status="archive").where(Project.id == managed.id).execute()
    assert as_user(client, people["user"], "activate_project",
                   id_project=managed.id)["status_code"] == 2
    assert as_user(client, people["account admin"], "activate_project",
                   id_project=managed.id)["status"] == "ok"


def test_a_project_the_caller_cannot_see_is_code_4_not_a_refusal(client, people, managed):
    answer = as_user(client, people["department admin"], "close_project",
                     id_project=managed.id)
    missing = as_user(client, people["department admin"], "close_project", id_project=99999)
    assert answer == missing and answer["status_code"] == 4


@pytest.mark.parametrize("paging", [{}, {"page": 1, "limit": 10}, {"cursor": ""}],
                         ids=["streamed", "page", "cursor"])
def test_the_tasks_of_a_project_the_caller_cannot_see_are_code_4(client, people, managed,
                                                                 paging):
    """get_tasks reads the project with its page (one round trip on PostgreSQL): the answer
    is still the refusal, with no row of the page."""
    Task.create(project=managed, name="Not for you", author=User.owner())
    answer = as_user(client, people["department admin"], "get_tasks", id_project=managed.id,
                     **paging)
    assert answer["status_code"] == 4 and "data" not in answer, answer
    seen = as_user(client, people["account admin"], "get_tasks", id_project=managed.id,
                   **paging)
    assert [task["name"] for task in seen["data"]] == ["Not for you"]


# The check lives in the dispatcher: no entry point can skip it.

def test_dispatch_checks_whoever_calls(app, people):
    with app.app_context(), calling_as(Caller(user=people["user"])):
        with pytest.raises(RoleDenied):
            dispatch("update_user", {"email": OWNER_EMAIL, "first_name": "Mallory"})
        with pytest.raises(RoleDenied):
            dispatch("add_webhook", {"url": "https://example.com/hook"})
    assert User.owner().first_name != "Mallory"


def test_only_the_dispatcher_calls_a_handler():
    root = Path(__file__).resolve().parents[2] / "actions"
    callers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                     if ".handler(" in path.read_text())
    assert callers == ["registry.py"]


def test_an_imported_owner_becomes_an_account_admin():
    assert [imported_role(r) for r in ("Owner", "Account admin", "Team admin", "guest", "x")] \
        == ["account admin", "account admin", "team admin", "guest", "user"]


def test_a_user_picks_their_own_teams_but_a_team_admin_does_not(client, people):
    """Tasq's profile sets the user's teams; a team admin's team is what they manage."""
    assert as_user(client, people["user"], "update_user", email="user@ws.com",
                   teams=["Ops"])["status"] == "ok"
    answer = as_user(client, people["team admin"], "update_user", email="team.admin@ws.com",
                     teams=[Team.main().title])
    assert answer["status_code"] == 2
