"""User tokens: the ``/api/oauth2`` endpoint, scopes, ``me``, the token user's timers, hidden
tasks and comments, the ``/oauth2/*`` endpoints, the CLI and the official client in token mode."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from conftest import OWNER_EMAIL, ok_data, ref
from worksection.client import Client
from worksection.exceptions.response_exception import ResponseException
from worksection.exceptions.unauthorized_exception import UnauthorizedException

from actions.gateway.tokens import scope_for
from actions.registry import ACTIONS
from models.base import now
from models.costs import Cost
from models.members import Team, User
from models.projects import Project, ProjectMember
from models.tasks import Task
from models.tokens import SCOPES, OAuthClient, Token

REDIRECT = "https://reports.example.com/callback"
PASSWORD = "correct horse battery"
INVALID = {"status": "error", "status_code": 2, "message": "Access token is missed or invalid"}
EXPIRED = {"status": "error", "status_code": 2, "message": "Access token is expired"}
TASK_INVALID = {"status": "error", "status_code": 5, "message": "Task is invalid"}


def token_for(user, scopes=SCOPES, **fields) -> str:
    return Token.issue("access", user, list(scopes), **fields)[1]


class UserApi:
    """Calls actions on ``/api/oauth2`` as the official client does: POST, JSON, Bearer."""

    def __init__(self, client) -> None:
        self.client = client

    def post(self, token: str, action: str, path: str = "/api/oauth2", **params):
        return self.client.post(f"{path}?action={action}", json=params or None,
                                headers={"Authorization": f"Bearer {token}"})

    def call(self, token: str, action: str, **params):
        return self.post(token, action, **params).get_json()


@pytest.fixture
def user_api(client) -> UserApi:
    return UserApi(client)


@pytest.fixture
def with_password(app, frank):
    result = app.test_cli_runner().invoke(args=["set-password", frank.email],
                                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    return frank


def project_of_everyone() -> Project:
    """A project every user is a member of (a user token sees only its own projects)."""
    project = Project.create(name="P", author=User.owner())
    for user in User.select():
        ProjectMember.get_or_create(project=project, user=user)
    return project


# Scopes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_action_needs_a_known_scope_that_matches_whether_it_writes(name):
    spec = ACTIONS[name]
    scope = scope_for(spec)
    assert scope in SCOPES, f"{name} has no scope in actions/scopes.py"
    if scope != "administrative":
        assert scope.endswith("_write" if spec.writes else "_read")


def test_scope_examples():
    assert [scope_for(ACTIONS[name]) for name in (
        "me", "post_subtask", "get_timemoney", "get_my_timer", "stop_my_timer", "add_webhook",
        "download", "get_events")] == [
        "users_read", "tasks_write", "costs_read", "costs_read", "costs_write",
        "administrative", "files_read", "projects_read"]


# The /api/oauth2 endpoint -----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/oauth2", "/api/oauth2/"])
def test_a_token_in_the_header_or_as_access_token_on_both_paths(client, frank, path):
    token = token_for(frank)
    me = {"id": str(frank.id), "email": frank.email}
    for response in (
        client.get(f"{path}?action=me", headers={"Authorization": f"Bearer {token}"}),
        client.post(f"{path}?action=me", headers={"Authorization": f"bearer {token}"}),
        client.get(f"{path}?action=me&access_token={token}"),
        client.post(path, data={"action": "me", "access_token": token}),
        client.post(path, json={"action": "me", "access_token": token}),
    ):
        assert response.status_code == 200
        data = ok_data(response.get_json())
        assert {"id": data["id"], "email": data["email"]} == me


def test_missing_unknown_or_admin_credentials_on_the_user_endpoint(client, api, frank):
    assert client.get("/api/oauth2?action=me").get_json() == INVALID
    assert client.get("/api/oauth2?action=me&access_token=nope").get_json() == INVALID
    assert client.get("/api/oauth2?action=me",
                      headers={"Authorization": "Bearer nope"}).get_json() == INVALID
    api.path = "/api/oauth2/"  # a request signed with the admin key is no user token
    assert api.call("get_users") == INVALID
    assert client.get("/api/oauth2").get_json() == {
        "status": "error", "status_code": 1, "message": "Action is required"}


def test_a_user_token_does_not_open_the_admin_endpoint(client, frank):
    response = client.get("/api/admin/v2/?action=get_users",
                          headers={"Authorization": f"Bearer {token_for(frank)}"})
    assert response.get_json() == {"status": "error", "status_code": 2,
                                   "message": "Action hash is missed or invalid"}


def test_unknown_action_with_a_token(user_api, frank):
    assert user_api.call(token_for(frank), "get_everything") == {
        "status": "error", "status_code": 0, "message": "Action is invalid",
        "message_details": "get_everything"}


def test_an_expired_token_is_http_401(user_api, frank):
    token = token_for(frank, lifetime=dt.timedelta(seconds=-1))
    response = user_api.post(token, "get_users")
    assert (response.status_code, response.get_json()) == (401, EXPIRED)


def test_a_disabled_users_token_is_refused(user_api, frank):
    token = token_for(frank)
    User.update(is_active=False).where(User.id == frank.id).execute()
    assert user_api.call(token, "me") == {"status": "error", "status_code": 2,
                                          "message": "User is disabled"}


def test_a_scope_not_granted_is_refused_and_nothing_is_written(user_api, frank):
    project = project_of_everyone()
    token = token_for(frank, scopes=["tasks_read"])
    assert user_api.call(token, "post_task", id_project=project.id, title="T") == {
        "status": "error", "status_code": 2,
        "message": "Access token has no scope for this action", "message_details": "tasks_write"}
    assert Task.select().count() == 0
    assert ok_data(user_api.call(token, "get_tasks", id_project=project.id)) == []
    assert user_api.call(token, "get_webhooks")["message_details"] == "administrative"


def test_the_token_user_is_the_author_whatever_email_user_from_says(user_api, frank):
    project = project_of_everyone()
    token = token_for(frank)
    task = ok_data(user_api.call(token, "post_task", id_project=project.id, title="T",
                                 email_user_from=OWNER_EMAIL))
    assert task["user_from"] == ref(frank)
    comment = ok_data(user_api.call(token, "post_comment", id_task=int(task["id"]), text="hi"))
    assert comment["user_from"] == ref(frank)


# me ---------------------------------------------------------------------------------------------

def test_me_matches_the_postman_example(user_api, app):
    """Postman: me → the token user's profile (no rate, no date_added)."""
    owner = User.owner()
    owner.team = Team.create(title="Development")
    owner.title, owner.department = "developer", "Dev team"
    owner.avatar = "https://acc1234.worksection.com/images/user/246965/3993_2001.jpg"
    owner.phone, owner.phone2 = "+15852827023", "4 4950 234 45 90"
    owner.address = "Apt. 902 853 Simona Common, Pollybury, SC 98466-2410"
    owner.save()
    assert user_api.call(token_for(owner), "me") == {"status": "ok", "data": {
        "id": str(owner.id), "first_name": "Henry", "last_name": "Gardner",
        "name": "Henry Gardner", "title": "developer", "avatar": owner.avatar,
        "group": "Development", "department": "Dev team", "role": "Owner",
        "email": OWNER_EMAIL, "phone": "+15852827023", "phone2": "4 4950 234 45 90",
        "address": "Apt. 902 853 Simona Common, Pollybury, SC 98466-2410"}}


def test_me_with_the_admin_key_needs_a_user_token(api):
    assert api.call("me") == {"status": "error", "status_code": 2,
                              "message": "This action needs a user access token"}


# The token user's timers --------------------------------------------------------------------------

def test_my_timer_end_to_end(user_api, api, frank):
    project = project_of_everyone()
    task = Task.create(project=project, name="T", author=User.owner())
    token = token_for(frank)
    assert user_api.call(token, "get_my_timer") == {"status": "ok", "data": []}
    assert user_api.call(token, "start_my_timer", id_task=task.id) == {"status": "ok"}
    assert user_api.call(token, "start_my_timer", id_task=task.id) == {
        "status": "error", "status_code": 6, "message": "Timer is already started"}
    timer = ok_data(user_api.call(token, "get_my_timer"))
    assert (timer["task"]["id"], isinstance(timer["time"], int)) == (str(task.id), True)
    assert ok_data(api.call("get_timers"))[0]["user_from"] == ref(frank)
    assert user_api.call(token, "stop_my_timer", comment="done") == {"status": "ok"}
    cost = Cost.get()
    assert (cost.user_id, cost.task_id, cost.comment, cost.is_timer) == (
        frank.id, task.id, "done", True)
    assert user_api.call(token, "stop_my_timer") == {
        "status": "error", "status_code": 7, "message": "Timer is not started"}
    assert user_api.call(token, "start_my_timer", id_task=task.id) == {"status": "ok"}
    assert user_api.call(token, "delete_my_timer") == {"status": "ok"}
    assert user_api.call(token, "delete_my_timer")["status_code"] == 7
    assert Cost.select().count() == 1


def test_admin_only_timer_actions_refuse_a_user_token(user_api, frank):
    assert user_api.call(token_for(frank), "get_timers") == {
        "status": "error", "status_code": 2, "message": "This action needs the admin API key"}


# Hidden tasks and comments -----------------------------------------------------------------------

@pytest.fixture
def hidden(api, frank, kate):
    """Task ``open`` with an open and a hidden subtask, comments open / for Kate / by Frank;
    ``secret`` hidden for Kate; ``franks`` hidden and written by Frank."""
    project = ok_data(api.call("post_project", title="P",
                               members=f"{frank.email},{kate.email}"))["id"]

    def task(**params):
        return int(ok_data(api.call("post_task", id_project=project, **params))["id"])

    def comment(**params):
        return int(ok_data(api.call("post_comment", id_task=opened, **params))["id"])

    opened = task(title="Open")
    world = SimpleNamespace(project=int(project), open=opened,
                            secret=task(title="Secret", hidden=kate.email),
                            franks=task(title="Frank's", hidden=kate.email,
                                        email_user_from=frank.email),
                            sub=task(title="Sub", id_parent=opened),
                            hidden_sub=task(title="Hidden sub", id_parent=opened,
                                            hidden=kate.email),
                            said=comment(text="for all"),
                            whisper=comment(text="for Kate", hidden=kate.email),
                            note=comment(text="Frank's note", hidden=kate.email,
                                         email_user_from=frank.email))
    world.frank, world.kate = token_for(frank), token_for(kate)
    return world


def ids(body) -> list[int]:
    return [int(item["id"]) for item in ok_data(body)]


def test_hidden_tasks_in_lists_and_search(user_api, api, hidden):
    h = hidden
    assert ids(api.call("get_all_tasks")) == [h.open, h.secret, h.franks]
    assert ids(user_api.call(h.frank, "get_all_tasks")) == [h.open, h.franks]
    assert ids(user_api.call(h.kate, "get_all_tasks")) == [h.open, h.secret, h.franks]
    assert ids(user_api.call(h.frank, "get_tasks", id_project=h.project)) == [h.open, h.franks]
    assert ids(user_api.call(h.frank, "search_tasks", id_project=h.project)) == [
        h.open, h.franks, h.sub]
    assert ids(user_api.call(h.kate, "search_tasks", filter="name has 'e'")) == [
        h.open, h.secret, h.hidden_sub]
    assert ids(user_api.call(h.frank, "search_tasks", filter="name has 'e'")) == [h.open]
    assert ids(api.call("search_tasks", id_project=h.project)) == [
        h.open, h.secret, h.franks, h.sub, h.hidden_sub]


def test_a_hidden_task_by_id_is_invalid_to_a_user_not_let_in(user_api, api, hidden):
    h = hidden
    for action in ("get_task", "get_comments", "post_comment", "start_my_timer"):
        assert user_api.call(h.frank, action, id_task=h.secret, text="x") == TASK_INVALID
    assert user_api.call(h.frank, "search_tasks", id_task=h.secret) == TASK_INVALID
    assert ok_data(user_api.call(h.kate, "get_task", id_task=h.secret))["name"] == "Secret"
    assert ok_data(user_api.call(h.frank, "get_task", id_task=h.franks))["name"] == "Frank's"
    assert ok_data(api.call("get_task", id_task=h.secret))["name"] == "Secret"


def test_hidden_subtasks_and_comments_in_task_extras(user_api, api, hidden):
    h = hidden

    def extras(token):
        task = ok_data(user_api.call(token, "get_task", id_task=h.open,
                                     extra="subtasks,comments"))
        return ([int(c["id"]) for c in task.get("child", [])],
                [c["text"] for c in task["comments"]])

    assert extras(h.frank) == ([h.sub], ["Frank's note", "for all"])
    assert extras(h.kate) == ([h.sub, h.hidden_sub], ["Frank's note", "for Kate", "for all"])
    listed = ok_data(user_api.call(h.frank, "get_tasks", id_project=h.project,
                                   extra="subtasks,comments"))[0]
    assert [int(c["id"]) for c in listed["child"]] == [h.sub]
    assert [c["text"] for c in listed["comments"]] == ["Frank's note", "for all"]
    everything = ok_data(api.call("get_task", id_task=h.open, extra="comments"))
    assert len(everything["comments"]) == 3


def test_hidden_comments_in_get_comments(user_api, api, frank, hidden):
    h = hidden
    assert ids(user_api.call(h.frank, "get_comments", id_task=h.open)) == [h.note, h.said]
    assert ids(user_api.call(h.kate, "get_comments", id_task=h.open)) == [
        h.note, h.whisper, h.said]
    olga = User.create(email="olga@ws.com")
    outsider = token_for(olga)
    assert user_api.call(outsider, "get_comments", id_task=h.open) == {
        "status": "error", "status_code": 5, "message": "Task is invalid"}  # not in the project
    ProjectMember.create(project=h.project, user=olga)
    assert ids(user_api.call(outsider, "get_comments", id_task=h.open)) == [h.said]
    assert ids(api.call("get_comments", id_task=h.open)) == [h.note, h.whisper, h.said]


def test_hidden_tasks_and_comments_in_events_costs_and_files(user_api, api, hidden):
    h = hidden
    for task in (h.open, h.secret):
        ok_data(api.call("add_costs", id_task=task, time="1:00", email_user_from=OWNER_EMAIL))
        ok_data(api.post_form("post_comment", id_task=task, text="file",
                              files={"attach[0]": (io.BytesIO(b"x"), f"{task}.txt")}))

    def event_objects(token):
        return {(e["object"]["type"], int(e["object"]["id"]))
                for e in ok_data(user_api.call(token, "get_events", period="1h"))}

    assert ("task", h.secret) in event_objects(h.kate)
    assert ("comment", h.whisper) in event_objects(h.kate)
    assert not {("task", h.secret), ("task", h.hidden_sub), ("comment", h.whisper)} \
        & event_objects(h.frank)
    assert ("comment", h.said) in event_objects(h.frank)
    assert [c["task"]["id"] for c in ok_data(user_api.call(h.frank, "get_costs"))] == [
        str(h.open)]
    assert user_api.call(h.frank, "get_costs_total")["total"]["time"] == "1:00"
    assert user_api.call(h.kate, "get_costs_total")["total"]["time"] == "2:00"
    assert [f["name"] for f in ok_data(user_api.call(h.frank, "get_files",
                                                     id_project=h.project))] == [f"{h.open}.txt"]
    assert len(ok_data(api.call("get_files", id_project=h.project))) == 2


# OAuth2 endpoints ------------------------------------------------------------------------------

def authorize(client, oauth_client, user=None, password=PASSWORD, method="post", **over):
    query = {"client_id": oauth_client.id, "redirect_uri": REDIRECT, "state": "xyz",
             "scope": "tasks_read,users_read costs_write", "response_type": "code", **over}
    query = {k: v for k, v in query.items() if v is not None}
    if method == "get":
        return client.get(f"/oauth2/authorize?{urlencode(query)}")
    return client.post(f"/oauth2/authorize?{urlencode(query)}",
                       data={"username": user or "frank.harper@ws.com", "password": password})


def code_from(response) -> str:
    assert response.status_code == 302, response.get_json()
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def grant(client, path, oauth_client, **params):
    body = {"client_id": oauth_client.id, "client_secret": oauth_client.secret, **params}
    response = client.post(path, data={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 200
    return response.get_json()


def exchange(client, oauth_client, code, **over):
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **over}
    return grant(client, "/oauth2/token", oauth_client, **params)


def error(kind: str, description: str) -> dict:
    return {"error": kind, "errorDescription": description}


def test_authorization_code_flow(client, user_api, oauth_client, with_password):
    tokens = exchange(client, oauth_client, code_from(authorize(client, oauth_client)))
    assert list(tokens) == ["token_type", "expires_in", "access_token", "refresh_token",
                            "account_url"]
    assert (tokens["token_type"], tokens["expires_in"], tokens["account_url"]) == (
        "Bearer", 86400, "http://localhost")
    token = Token.find("access", tokens["access_token"])
    assert (token.user_id, token.scope_list) == (
        with_password.id, ["tasks_read", "users_read", "costs_write"])
    assert ok_data(user_api.call(tokens["access_token"], "me"))["email"] == with_password.email
    assert user_api.call(tokens["access_token"], "get_projects")["message_details"] == (
        "projects_read")


def test_a_code_works_once_and_its_replay_revokes_its_tokens(client, user_api, oauth_client,
                                                             with_password):
    code = code_from(authorize(client, oauth_client))
    tokens = exchange(client, oauth_client, code)
    assert ok_data(user_api.call(tokens["access_token"], "me"))
    assert exchange(client, oauth_client, code) == error(
        "invalid_request", "Authorization code has been revoked")
    assert user_api.call(tokens["access_token"], "me") == INVALID
    assert grant(client, "/oauth2/refresh", oauth_client, grant_type="refresh_token",
                 refresh_token=tokens["refresh_token"]) == error(
        "invalid_request", "Token has been revoked")


def test_bad_codes(client, oauth_client, with_password):
    code = code_from(authorize(client, oauth_client))
    assert exchange(client, oauth_client, "nope") == error(
        "invalid_request", "Cannot decrypt the authorization code")
    assert exchange(client, oauth_client, None) == error(
        "invalid_request", "Check the `code` parameter")
    assert exchange(client, oauth_client, code, redirect_uri="https://evil.example.com/") == \
        error("invalid_request", "Invalid redirect URI")
    other, secret = OAuthClient.register("Other", [REDIRECT])
    assert exchange(client, SimpleNamespace(id=other.client_id, secret=secret), code) == error(
        "invalid_request", "Authorization code was not issued to this client")
    Token.update(expires_at=now() - dt.timedelta(seconds=1)).where(Token.kind == "code").execute()
    assert exchange(client, oauth_client, code) == error(
        "invalid_request", "Authorization code has expired")


def test_client_authentication(client, oauth_client, with_password):
    code = code_from(authorize(client, oauth_client))
    failed = error("invalid_client", "Client authentication failed")
    for changes in ({"client_secret": "wrong"}, {"client_id": "unknown"},
                    {"client_secret": None}):
        body = {"client_id": oauth_client.id, "client_secret": oauth_client.secret,
                "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        body.update(changes)
        assert client.post("/oauth2/token", data={k: v for k, v in body.items()
                                                  if v is not None}).get_json() == failed
    assert "access_token" in exchange(client, oauth_client, code)  # still unused


def test_authorize_refusals(client, oauth_client, with_password):
    assert authorize(client, oauth_client, client_id="unknown").get_json() == error(
        "invalid_client", "Client authentication failed")
    assert authorize(client, oauth_client, redirect_uri="https://evil.example.com/cb"
                     ).get_json() == error("invalid_request", "Invalid redirect URI")
    assert authorize(client, oauth_client, response_type="token").get_json() == error(
        "unsupported_response_type", "Check the `response_type` parameter")
    assert authorize(client, oauth_client, scope="tasks_read,root").get_json() == error(
        "invalid_scope", "Check the `root` scope")
    assert authorize(client, oauth_client, scope=None).get_json() == error(
        "invalid_request", "Check the `scope` parameter")
    no_login = error("access_denied", "POST the user's username (email) and password in the "
                     "body: this server has no login page")
    assert authorize(client, oauth_client, method="get").get_json() == no_login
    assert authorize(client, oauth_client, password="x").get_json() == error(
        "access_denied", "The user credentials were incorrect.")
    assert authorize(client, oauth_client, user=OWNER_EMAIL).get_json() == error(
        "access_denied", "The user credentials were incorrect.")  # the owner has no password
    assert Token.select().count() == 0


def test_refresh(client, user_api, oauth_client, with_password):
    first = exchange(client, oauth_client, code_from(authorize(client, oauth_client)))
    second = grant(client, "/oauth2/refresh", oauth_client, grant_type="refresh_token",
                   refresh_token=first["refresh_token"])
    assert second["access_token"] not in (first["access_token"], None)
    assert ok_data(user_api.call(second["access_token"], "me"))
    assert Token.find("access", second["access_token"]).scope_list == [
        "tasks_read", "users_read", "costs_write"]
    third = grant(client, "/oauth2/token", oauth_client, grant_type="refresh_token",
                  refresh_token=second["refresh_token"])
    assert ok_data(user_api.call(third["access_token"], "me"))
    assert grant(client, "/oauth2/refresh", oauth_client,
                 refresh_token=first["refresh_token"]) == error(
        "invalid_request", "Token has been revoked")  # reused: the whole family is revoked
    assert user_api.call(third["access_token"], "me") == INVALID
    assert grant(client, "/oauth2/refresh", oauth_client,
                 refresh_token=third["refresh_token"]) == error(
        "invalid_request", "Token has been revoked")


def test_bad_refresh_tokens(client, oauth_client, with_password):
    tokens = exchange(client, oauth_client, code_from(authorize(client, oauth_client)))
    assert grant(client, "/oauth2/refresh", oauth_client, refresh_token="def50200abc") == error(
        "invalid_request", "Cannot decrypt the refresh token")
    assert grant(client, "/oauth2/refresh", oauth_client, grant_type="password",
                 refresh_token=tokens["refresh_token"]) == error(
        "unsupported_grant_type", "Check the `grant_type` parameter")
    other, secret = OAuthClient.register("Other", [REDIRECT])
    assert grant(client, "/oauth2/refresh", SimpleNamespace(id=other.client_id, secret=secret),
                 refresh_token=tokens["refresh_token"]) == error(
        "invalid_request", "Token is not linked to client")
    User.update(is_active=False).where(User.id == with_password.id).execute()
    assert grant(client, "/oauth2/refresh", oauth_client,
                 refresh_token=tokens["refresh_token"]) == error(
        "access_denied", "User is disabled")
    Token.update(expires_at=now()).where(Token.kind == "refresh").execute()
    assert grant(client, "/oauth2/refresh", oauth_client,
                 refresh_token=tokens["refresh_token"]) == error(
        "invalid_request", "Token has expired")


def test_password_grant(client, user_api, oauth_client, with_password):
    tokens = grant(client, "/oauth2/token", oauth_client, grant_type="password",
                   username="Frank.Harper@ws.com", password=PASSWORD)
    assert Token.find("access", tokens["access_token"]).scope_list == list(SCOPES)
    assert ok_data(user_api.call(tokens["access_token"], "me"))["email"] == with_password.email
    narrow = grant(client, "/oauth2/token", oauth_client, grant_type="password",
                   username=with_password.email, password=PASSWORD, scope="tasks_read")
    assert Token.find("access", narrow["access_token"]).scope_list == ["tasks_read"]
    wrong = error("invalid_grant", "The user credentials were incorrect.")
    assert grant(client, "/oauth2/token", oauth_client, grant_type="password",
                 username=with_password.email, password="guess") == wrong
    assert grant(client, "/oauth2/token", oauth_client, grant_type="password",
                 username="nobody@ws.com", password=PASSWORD) == wrong
    User.update(is_active=False).where(User.id == with_password.id).execute()
    assert grant(client, "/oauth2/token", oauth_client, grant_type="password",
                 username=with_password.email, password=PASSWORD) == wrong
    assert grant(client, "/oauth2/token", oauth_client, grant_type="client_credentials") == \
        error("unsupported_grant_type",
              "The authorization grant type is not supported by the authorization server.")


def test_resource(client, oauth_client, with_password):
    tokens = exchange(client, oauth_client, code_from(authorize(client, oauth_client)))
    assert grant(client, "/oauth2/resource", oauth_client,
                 access_token=tokens["access_token"]) == {
        "id": str(with_password.id), "first_name": "Frank", "last_name": "Harper",
        "email": "frank.harper@ws.com", "account_url": "http://localhost"}
    assert grant(client, "/oauth2/resource", oauth_client, access_token="nope") == error(
        "not_authorized", "Access token is invalid")
    assert grant(client, "/oauth2/resource", oauth_client,
                 access_token=token_for(with_password)) == error(
        "not_authorized", "Access token is invalid")  # not this client's token
    Token.update(expires_at=now()).where(Token.kind == "access").execute()
    assert grant(client, "/oauth2/resource", oauth_client,
                 access_token=tokens["access_token"]) == error(
        "not_authorized", "Access token is expired")


def test_unreadable_oauth_requests(client, oauth_client):
    response = client.post("/oauth2/token", data=b"{not json", content_type="application/json")
    assert response.get_json() == error("invalid_request", "The JSON body is not valid JSON")


# CLI ------------------------------------------------------------------------------------------

def test_create_token(app, user_api, frank):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-token", "Frank.Harper@ws.com", "--scopes",
                                 "tasks_read users_read", "--days", "2"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert ok_data(user_api.call(token, "me"))["email"] == frank.email
    assert user_api.call(token, "get_costs")["message_details"] == "costs_read"
    row = Token.find("access", token)
    assert row.scope_list == ["tasks_read", "users_read"]
    assert abs(row.expires_at - now() - dt.timedelta(days=2)) < dt.timedelta(minutes=1)
    everything = runner.invoke(args=["create-token", frank.email]).stdout.strip()
    assert Token.find("access", everything).scope_list == list(SCOPES)
    assert runner.invoke(args=["create-token", "nobody@ws.com"]).exit_code == 2
    assert runner.invoke(args=["create-token", frank.email, "--scopes", "all"]).exit_code == 2


def test_set_password_and_create_client_refusals(app, frank):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["set-password", frank.email], input="short\nshort\n")
    assert (short.exit_code, "at least 8 characters" in short.output) == (2, True)
    assert runner.invoke(args=["set-password", "nobody@ws.com"],
                         input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 2
    plain = runner.invoke(args=["create-client", "X", "--redirect-uri", "http://example.com/"])
    assert plain.exit_code == 2
    local = runner.invoke(args=["create-client", "X", "--redirect-uri",
                                "http://127.0.0.1:8000/cb", "--redirect-uri", REDIRECT])
    assert local.exit_code == 0
    assert OAuthClient.get().redirect_uris.split("\n") == ["http://127.0.0.1:8000/cb", REDIRECT]


def test_passwords_and_secrets_are_not_stored_in_clear(app, oauth_client, with_password):
    from models.tokens import UserPassword

    stored = UserPassword.get().hash
    assert PASSWORD not in stored and stored.startswith("scrypt:")
    assert oauth_client.secret not in OAuthClient.get().secret_digests
    token = token_for(with_password)
    assert not Token.select().where(Token.digest == token).exists()


# The official client in token mode ----------------------------------------------------------------

def test_official_client_with_a_user_token(live_server, frank):
    project = project_of_everyone()
    task = Task.create(project=project, name="T", author=User.owner())
    secret = Task.create(project=project, name="S", author=User.owner(), hidden=True)
    ws = Client(live_server).set_access_token(token_for(frank))
    profile = ws.user.profile()
    assert (profile.email, profile.name, profile.role) == (frank.email, "Frank Harper", "User")
    assert ws.user.timer() is None
    ws.user.start_timer(task.id)
    assert ws.user.timer().task.name == "T"
    ws.user.stop_timer("done")
    assert ws.user.timer() is None and Cost.get().user_id == frank.id
    assert [t.name for t in ws.tasks.list(project.id)] == ["T"]
    with pytest.raises(ResponseException, match="get_task: Task is invalid"):
        ws.tasks.get(secret.id)


def test_official_client_authorization_code_flow(live_server, client, oauth_client,
                                                 with_password):
    config = {"client_id": oauth_client.id, "client_secret": oauth_client.secret,
              "redirect_uri": REDIRECT, "scope": ["users_read", "costs_read"],
              "auth_url": f"{live_server}/oauth2/authorize",
              "token_url": f"{live_server}/oauth2/token"}
    ws = Client(live_server).set_client(config)
    url = urlsplit(ws.oauth.get_authorization_url("xyz"))
    code = code_from(client.post(f"{url.path}?{url.query}",
                                 data={"username": with_password.email, "password": PASSWORD}))
    ws.set_access_token(ws.oauth.fetch_access_token_by_auth_code(code))
    assert ws.user.profile().email == with_password.email
    assert ws.has_refresh_token()
    with pytest.raises(ResponseException, match="Authorization code has been revoked"):
        ws.oauth.fetch_access_token_by_auth_code(code)


def test_official_client_refreshes_an_expired_token(live_server, frank, oauth_client):
    client_row = OAuthClient.get(OAuthClient.client_id == oauth_client.id)
    _, access = Token.issue("access", frank, ["users_read"], client=client_row,
                            lifetime=dt.timedelta(seconds=-5))
    _, refresh = Token.issue("refresh", frank, ["users_read"], client=client_row)
    ws = Client(live_server).set_client({
        "client_id": oauth_client.id, "client_secret": oauth_client.secret,
        "redirect_uri": REDIRECT, "refresh_url": f"{live_server}/oauth2/refresh"})
    ws.set_access_token({"access_token": access, "refresh_token": refresh})
    assert ws.user.profile().email == frank.email
    assert ws.get_access_token() != access and ws.get_refresh_token() != refresh
    assert Token.find("refresh", refresh).revoked_at is not None
    stale = Client(live_server).set_access_token(access)  # no refresh token: the 401 surfaces
    with pytest.raises(UnauthorizedException, match="Access token is expired"):
        stale.user.profile()
