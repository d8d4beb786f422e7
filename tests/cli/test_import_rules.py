"""``flask import-from`` holds the source to the rules the API holds its own clients to
(issue 21, findings 9 and 10): no redirect to another host, answers and files capped and
streamed, a deadline per request and per run, JSON of any depth answered in one line, file
names cleaned as uploads are, one owner, a journal only its owner can read; and bad input on
the command line is one line."""

from __future__ import annotations

import json
import os
import stat
import tracemalloc

import pytest
from import_kit import Collector, DripSource, FakeSource, ForwardProxy
from werkzeug.wrappers import Response

from actions.attachments import clean_name
from models.files import File
from models.imports import ImportedRow
from models.members import User
from models.storage import open_storage

ANN = {"id": 101, "email": "ann@old.example", "name": "Ann Old"}
EMPTY = ("get_user_groups", "get_projects", "get_all_tasks", "get_files", "get_costs",
         "get_timers", "get_webhooks", "get_contacts", "get_contact_groups",
         "get_project_groups", "get_events", "get_users_schedule", "get_task_tags",
         "get_task_tag_groups", "get_project_tags", "get_project_tag_groups",
         "get_task_custom_fields", "get_project_custom_fields")
USERS = [{**ANN, "first_name": "Ann", "role": "Owner"},
         {"id": 102, "email": "carl@old.example", "first_name": "Carl", "role": "Owner"},
         {"id": 103, "email": "bob@old.example", "first_name": "Bob", "role": "User"}]
PROJECT = {"id": 1, "name": "Files", "page": "/project/1/", "user_from": ANN}
HOSTILE_NAME = "../../x\x00\r\nevil\u202egnp.exe"
MiB = 1024 * 1024


def account(**answers):
    return {**{action: [] for action in EMPTY}, "get_users": USERS, **answers}


@pytest.fixture
def serve():
    servers = []

    def start(server):
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.close()


def run(app, url, *extra):
    journal = ["--journal", str(app.config["FILES_DIR"]) + ".journal"]
    return app.test_cli_runner().invoke(args=[
        "import-from", url, "--key", "k", "--rate", "1000", "--backoff", "0",
        *([] if "--journal" in extra else journal), *extra])


def error_line(result) -> str:
    """The run's last line, and there is no traceback anywhere."""
    assert "Traceback" not in result.output and result.exception is None or isinstance(
        result.exception, SystemExit), result.output
    return result.output.strip().splitlines()[-1]


def nothing_written(app) -> None:
    with app.app_context():
        assert ImportedRow.select().count() == 0
        assert User.select().count() == 1 and File.select().count() == 0


def test_a_redirect_to_another_host_is_not_followed_and_carries_no_credential(app, serve):
    elsewhere = serve(Collector())
    source = serve(FakeSource(account(get_users=lambda args: Response(
        status=302, headers={"Location": f"{elsewhere.url}/steal"}))))
    result = app.test_cli_runner().invoke(args=[
        "import-from", source.url, "--oauth-token", "secret-token", "--backoff", "0",
        "--journal", str(app.config["FILES_DIR"]) + ".journal"])
    assert result.exit_code == 1
    assert error_line(result).startswith("Stopped: the source redirects to http://127.0.0.1:")
    assert elsewhere.calls == []
    nothing_written(app)


def test_a_redirect_within_the_source_is_followed(app, serve):
    def moved(args):
        if "moved" in args:
            return USERS
        return Response(status=301, headers={"Location": "?moved=1&action=get_users"})
    source = serve(FakeSource(account(get_users=moved)))
    result = run(app, source.url)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert User.get_or_none(User.email == "bob@old.example") is not None


def stream(size: int, declared: bool = True) -> Response:
    """``size`` bytes made as they are sent (with a Content-Length, or chunked)."""
    chunks = (b"x" * 65536 for _ in range(size // 65536))
    return Response(chunks, direct_passthrough=True,
                    headers={"Content-Length": str(size)} if declared else {})


def import_files(app, serve, tmp_path, sizes: dict[str, int], declared: bool = True):
    app.config["MAX_FILE_SIZE"] = 64 * MiB
    files = [{"id": int(i), "name": f"f{i}.bin", "size": 1} for i in sizes]
    source = serve(FakeSource(account(get_projects=[PROJECT], get_files=files, download=(
        lambda args: stream(sizes[args["id_file"]], declared)))))
    result = run(app, source.url, "--summary", str(tmp_path / "s.json"))
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "s.json").read_text())
    return {f["id"]: f["reason"] for f in summary["failed"]}


def test_a_file_over_the_install_limit_is_refused_and_none_is_held_in_memory(app, serve,
                                                                            tmp_path):
    tracemalloc.start()
    try:
        failed = import_files(app, serve, tmp_path, {"1": 600 * MiB, "2": 48 * MiB})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * MiB  # the 48 MiB file went through a spool; the 600 MiB was not read
    assert "file 1 is over this install's file size limit (MAX_FILE_SIZE, 67108864 bytes)" in (
        failed["1"]) and list(failed) == ["1"]
    with app.app_context():
        stored = File.get(File.name == "f2.bin")
        assert stored.size == 48 * MiB
        assert open_storage(None, app.config["FILES_DIR"]).exists(stored.sha256)


def test_a_file_that_does_not_say_its_size_is_cut_at_the_limit(app, serve, tmp_path):
    failed = import_files(app, serve, tmp_path, {"1": 600 * MiB}, declared=False)
    assert failed["1"].endswith("more than 67108864 bytes")
    with app.app_context():
        assert File.select().count() == 0


def test_an_answer_over_the_limit_stops_the_run_before_it_writes(app, serve):
    many = [{"id": 1000 + n, "email": f"u{n}@old.example", "first_name": "x" * 200}
            for n in range(200)]
    source = serve(FakeSource(account(get_users=USERS + many)))
    result = run(app, source.url, "--max-answer", "20000")
    assert result.exit_code == 1
    assert error_line(result).startswith(
        "Stopped: get_users: the answer is larger than this import allows (--max-answer")
    nothing_written(app)


def test_a_source_that_drips_is_given_up_on(app, serve):
    source = serve(DripSource(pause=0.02))
    result = run(app, source.url, "--timeout", "0.1")
    assert result.exit_code == 1
    assert error_line(result) == (
        "Interrupted: the source cannot be reached: no complete answer within 0.1 s. What "
        "was read and written is kept: run the same command again to continue.")
    assert source.calls == 7  # the first try and six retries, each cut at 0.1 s


def test_a_run_stops_at_its_time_limit(app, serve):
    source = serve(DripSource(pause=0.02))
    result = run(app, source.url, "--max-time", "0.3")
    assert result.exit_code == 1
    assert "the run reached its time limit (--max-time 0.3 s)" in error_line(result)


@pytest.mark.parametrize("depth", [100_000, 40])
def test_json_nested_deeply_is_one_line_and_writes_nothing(app, serve, depth):
    deep = b'{"status": "ok", "data": ' + b"[" * depth + b"]" * depth + b"}"
    source = serve(FakeSource(account(get_users=lambda args: Response(
        deep, content_type="application/json"))))
    result = run(app, source.url)
    assert result.exit_code == 1
    assert error_line(result) == ("Stopped: get_users: the answer is nested more than 32 levels "
                                  "deep, which no account's data is.")
    nothing_written(app)


def test_file_names_are_cleaned_as_uploads_are(app, serve):
    files = [{"id": 1, "name": HOSTILE_NAME, "size": 3}]
    source = serve(FakeSource(account(get_projects=[PROJECT], get_files=files,
                                      download=lambda args: Response(b"abc"))))
    result = run(app, source.url)
    assert result.exit_code == 0, result.output
    with app.app_context():
        name = File.get_by_id(1).name
    assert name == clean_name(HOSTILE_NAME) == "xevilgnp.exe"


def test_a_second_owner_on_the_source_becomes_an_account_admin(app, serve):
    source = serve(FakeSource(account()))
    result = run(app, source.url)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert [u.email for u in User.select().where(User.role == "owner")] == [ANN["email"]]
        assert User.get(User.email == "carl@old.example").role == "account admin"
    assert ("note: user 102 (carl@old.example) is an owner on the source: an account admin "
            "here (an install has one owner)") in result.output

    result = run(app, source.url)  # a later run keeps it so
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert User.select().where(User.role == "owner").count() == 1


def test_the_journal_and_the_summary_are_readable_by_their_owner_only(app, serve, tmp_path):
    source = serve(FakeSource(account(get_projects=lambda args: Response(status=500))))
    journal, summary = tmp_path / "journal", tmp_path / "summary.json"
    journal.write_text("")
    os.chmod(journal, 0o644)  # left by an older version
    result = run(app, source.url, "--journal", str(journal))
    assert result.exit_code == 1
    assert stat.S_IMODE(os.stat(journal).st_mode) == 0o600

    source.answers["get_projects"] = []
    result = run(app, source.url, "--journal", str(journal), "--summary", str(summary))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(summary).st_mode) == 0o600


@pytest.mark.parametrize("args, line", [
    (["ftp://old.example", "--key", "k"], "Invalid value for URL: give the account's "
                                          "address, e.g. https://acme.worksection.com"),
    (["https://old.example"], "Error: give either --key or --oauth-token"),
    (["https://old.example", "--key", "k", "--timeout", "0"], "Invalid value for '--timeout'"),
    (["https://old.example", "--key", "k", "--summary", "/no/such/folder/s.json"],
     "Invalid value for --summary: cannot write /no/such/folder/s.json: no such folder, or "
     "not writable"),
])
def test_bad_input_is_one_line_and_writes_nothing(app, args, line):
    result = app.test_cli_runner().invoke(args=["import-from", *args])
    assert result.exit_code == 2
    assert line in result.output.strip().splitlines()[-1]
    nothing_written(app)


def test_a_key_the_source_refuses_is_one_line_and_writes_nothing(app, serve):
    source = serve(FakeSource({}))  # every action answers an error envelope
    result = run(app, source.url)
    assert result.exit_code == 1
    assert error_line(result) == ("Stopped: the source answered no list (get_users: Action is "
                                  "invalid): check the URL and the key or token.")
    nothing_written(app)


def test_a_wrong_address_is_one_line_and_writes_nothing(app, serve):
    source = serve(FakeSource(account(get_users=lambda args: Response("no", status=404))))
    result = run(app, source.url)
    assert result.exit_code == 1
    assert error_line(result) == ("Stopped: HTTP 404 from the source: check the URL and the key "
                                  "or token.")
    nothing_written(app)


def test_the_proxy_the_environment_names_is_used(app, serve, monkeypatch):
    source, proxy = serve(FakeSource(account())), serve(ForwardProxy())
    for name in ("no_proxy", "NO_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", proxy.url.replace("http://", "http://me:p%40ss@"))
    result = run(app, source.url)
    assert result.exit_code == 0, result.output
    assert len(proxy.calls) == len(source.calls) > 0
    url, auth = proxy.calls[0]
    assert url.startswith(f"{source.url}/api/admin/v2/?action=get_users")
    assert auth == "Basic bWU6cEBzcw=="  # me:p@ss
