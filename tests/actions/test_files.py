"""Files: upload_files, get_files, download; the attachments helpers other actions call
(save_attachments for ``attach[n]``, attach_uploaded for post_task ``files``); the storage."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from conftest import API_KEY, UserRef, md5_hash, ok_data, php_query
from marshmallow import ValidationError
from s3_kit import s3_keys
from werkzeug.datastructures import FileStorage
from worksection.client import Client
from worksection.exceptions.response_exception import ResponseException

from actions.attachments import (
    UploadInvalid,
    attach_uploaded,
    clean_name,
    save_attachments,
    storage,
)
from actions.registry import ACTIONS, Action
from models.comments import Comment
from models.files import File
from models.members import User
from models.projects import Project
from models.storage import LocalStorage, open_storage
from models.tasks import Task
from schemas.base import Params
from schemas.files import FileRefs

HENRY = UserRef("henry.gardner@ws.com", "Henry Gardner")
FILE_NOT_FOUND = {"status": "error", "status_code": 4, "message": "File not found"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def part(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def upload_files(api, *parts):
    return api.post_form("upload_files", files={"files[]": list(parts)})


def pytest_generate_tests(metafunc):
    """Every test that uses the app runs on both storages, unless marked local_only."""
    if "app" in metafunc.fixturenames and not metafunc.definition.get_closest_marker(
            "local_only"):
        metafunc.parametrize("files_backend", ["local", "s3"], indirect=True)


@pytest.fixture(autouse=True)
def files_backend(request):
    """Where the app under test keeps files: its FILES_DIR, or a fresh prefix on moto's S3."""
    backend = getattr(request, "param", "local")
    if backend == "s3":
        request.getfixturevalue("app").config["FILES_URL"] = request.getfixturevalue("s3_url")
    return backend


def blobs(app) -> list[str]:
    """Every stored blob, relative to the storage's root (spooled temporaries included)."""
    if app.config.get("FILES_URL"):
        return s3_keys(app.config["FILES_URL"])
    root = app.config["FILES_DIR"]
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, _, names in os.walk(root) for name in names)


def blob_path(digest: str) -> str:
    return os.path.join(digest[:2], digest[2:4], digest)


def everything_under(path) -> set[str]:
    return {os.path.join(folder, name) for folder, _, names in os.walk(path) for name in names}


def item(file: File) -> dict:
    return {"id": str(file.id), "page": f"/download/{file.id}/", "name": file.name,
            "size": str(file.size), "date_added": file.date_added.strftime("%Y-%m-%d %H:%M"),
            "user_from": HENRY}


@pytest.fixture
def owner(app):
    return User.owner()


@pytest.fixture
def project(owner):
    return Project.create(name="Owl brand launch", author=owner)


@pytest.fixture
def task(project, owner):
    return Task.create(project=project, name="Logo", author=owner)


@pytest.fixture
def attached(app, project, task, owner):
    """Files in every place get_files looks, and in places it must not look."""
    subtask = Task.create(project=project, parent=task, root=task, depth=1, name="Sketch",
                          author=owner)
    comment = Comment.create(task=task, author=owner, text="Here")
    other = Project.create(name="Other", author=owner)
    with app.test_request_context():
        files = {
            "project": save_attachments([upload(b"brief", "brief.pdf")], owner, project=project),
            "task": save_attachments([upload(b"logo", "logo.png")], owner, task=task),
            "comment": save_attachments([upload(b"v2", "logo-v2.png"), upload(b"v3", "v3.png")],
                                        owner, comment=comment),
            "subtask": save_attachments([upload(b"sketch", "sketch.jpg")], owner, task=subtask),
            "other": save_attachments([upload(b"other", "other.txt")], owner, project=other),
            "loose": save_attachments([upload(b"loose", "loose.txt")], owner),
        }
    return {key: value if len(value) > 1 else value[0] for key, value in files.items()}


# upload_files


def test_upload_files_answers_like_worksection_and_stores_by_content(app, api):
    body = upload_files(api, part(b"hello", "Report.PDF"), part(b"hello", "copy.pdf"),
                        part(b"other bytes", "README"))
    assert ok_data(body) == [{"id": "1", "ext": "pdf", "name": "Report.PDF"},
                             {"id": "2", "ext": "pdf", "name": "copy.pdf"},
                             {"id": "3", "ext": "", "name": "README"}]
    assert blobs(app) == sorted([blob_path(sha(b"hello")), blob_path(sha(b"other bytes"))])
    owner_id = User.owner().id
    assert [(f.name, f.size, f.sha256, f.mimetype, f.author_id, f.project_id, f.task_id,
             f.comment_id) for f in File.select().order_by(File.id)] == [
        ("Report.PDF", 5, sha(b"hello"), "application/pdf", owner_id, None, None, None),
        ("copy.pdf", 5, sha(b"hello"), "application/pdf", owner_id, None, None, None),
        ("README", 11, sha(b"other bytes"), "application/octet-stream", owner_id, None, None, None)]


def test_upload_files_skips_an_empty_form_input(api):
    body = upload_files(api, part(b"", ""), part(b"", "empty.txt"))
    assert ok_data(body) == [{"id": "1", "ext": "txt", "name": "empty.txt"}]


def test_upload_files_without_files(api):
    expected = {"status": "error", "status_code": 10, "message": "Field is required",
                "message_details": "files"}
    assert api.post_form("upload_files") == expected
    assert upload_files(api, part(b"", "")) == expected


def test_upload_files_refuses_values_that_are_not_file_parts(api):
    assert api.post_json("upload_files", files=[{"id": 1}]) == {
        "status": "error", "status_code": 11,
        "message": "Invalid files: must be files sent as multipart/form-data parts",
        "message_details": "files"}


def test_a_part_over_the_size_limit_stores_nothing(app, api):
    app.config["MAX_FILE_SIZE"] = 10
    body = upload_files(api, part(b"small", "small.txt"), part(b"x" * 11, "big.bin"))
    assert body == {"status": "error", "status_code": 11,
                    "message": "File is too large: the limit is 10 bytes",
                    "message_details": "big.bin"}
    assert File.select().count() == 0
    assert blobs(app) == []
    assert ok_data(upload_files(api, part(b"x" * 10, "exact.bin")))[0]["name"] == "exact.bin"


def test_a_request_over_max_content_length_is_an_error_envelope(app, api):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    body = upload_files(api, part(b"x" * 2000, "huge.bin"))
    assert (body["status"], body["status_code"]) == ("error", 413)
    assert blobs(app) == []


@pytest.mark.local_only
def test_a_path_in_the_file_name_is_dropped(app, api, tmp_path):
    before = everything_under(tmp_path)
    body = upload_files(api, part(b"root:x:0:0", "../../etc/passwd"),
                        part(b"ini", "/etc/php.ini"))
    assert ok_data(body) == [{"id": "1", "ext": "", "name": "passwd"},
                             {"id": "2", "ext": "ini", "name": "php.ini"}]
    database = str(tmp_path / "test.sqlite")  # its -wal and -shm files come and go
    written = {path for path in everything_under(tmp_path) - before
               if not path.startswith(database)}
    assert written == {os.path.join(app.config["FILES_DIR"], blob_path(sha(data)))
                       for data in (b"root:x:0:0", b"ini")}


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\kate\\report.docx", "report.docx"),
    ("Звіт №1.pdf", "Звіт №1.pdf"),
    ("..", "file"),
    ("", "file"),
    (None, "file"),
    ("  .hidden  ", "hidden"),
    ("a\x00b\r\n.txt", "ab.txt"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override hides ".exe"
    ('a<b>:c"d|e?f*.txt', "a_b__c_d_e_f_.txt"),
    ("x" * 300 + ".tar.gz", "x" * 252 + ".gz"),
])
def test_clean_name(raw, clean):
    assert clean_name(raw) == clean


# get_files


def test_get_files_of_a_project_lists_all_of_it(api, project, attached):
    expected = [item(attached[key]) for key in ("project", "task")]
    expected += [item(file) for file in attached["comment"]] + [item(attached["subtask"])]
    assert ok_data(api.call("get_files", id_project=project.id)) == expected


def test_get_files_of_a_task_lists_its_description_and_comments(api, task, attached):
    expected = [item(attached["task"])] + [item(file) for file in attached["comment"]]
    assert ok_data(api.call("get_files", id_task=task.id)) == expected
    assert ok_data(api.post_json("get_files", id_task=task.id)) == expected
    assert ok_data(api.call("get_files", id_project=task.project_id, id_task=task.id)) == expected


def test_get_files_by_legacy_page_link(api, task, attached):
    listed = ok_data(api.call("get_files", page=f"/project/{task.project_id}/{task.id}/"))
    assert [f["name"] for f in listed] == ["logo.png", "logo-v2.png", "v3.png"]


def test_get_files_of_an_empty_project(api, project):
    assert ok_data(api.call("get_files", id_project=project.id)) == []


def test_get_files_errors(api, project, task, owner):
    other = Task.create(project=Project.create(name="Other", author=owner), name="T",
                        author=owner)
    assert api.call("get_files", id_project=999) == {
        "status": "error", "status_code": 4, "message": "Project is invalid"}
    task_invalid = {"status": "error", "status_code": 5, "message": "Task is invalid"}
    assert api.call("get_files", id_task=999) == task_invalid
    assert api.call("get_files", id_project=project.id, id_task=other.id) == task_invalid
    assert api.call("get_files") == {"status": "error", "status_code": 10,
                                     "message": "Field is required",
                                     "message_details": "id_project"}


# download


def test_download_answers_the_bytes_under_the_files_name(app, api, client, owner, task):
    data = b"Txt file\n\nLorem ipsum \x00\xff"
    with app.test_request_context():
        file = save_attachments([upload(data, "Звіт 1.txt")], owner, task=task)[0]
    query = php_query({"action": "download", "id_file": file.id})
    with client.get(f"/api/admin/v2/?{query}&hash={md5_hash(query)}") as response:
        assert response.status_code == 200
        assert response.get_data() == data
        assert response.headers["Content-Type"] == "application/x-download"
        assert response.headers["Content-Disposition"] == (
            "attachment; filename*=UTF-8''%D0%97%D0%B2%D1%96%D1%82%201.txt")
        assert response.headers["Content-Length"] == str(len(data))


def test_download_of_a_missing_file_is_json(api, client):
    query = php_query({"action": "download", "id_file": 999})
    response = client.get(f"/api/admin/v2/?{query}&hash={md5_hash(query)}")
    assert response.content_type == "application/json"
    assert response.get_json() == FILE_NOT_FOUND
    assert api.call("download") == {"status": "error", "status_code": 10,
                                    "message": "Field is required",
                                    "message_details": "id_file"}


def test_download_when_the_blob_is_gone(app, api, owner):
    with app.test_request_context():
        file = save_attachments([upload(b"gone", "gone.txt")], owner)[0]
        storage().delete(file.sha256)
    assert api.call("download", id_file=file.id) == FILE_NOT_FOUND


@pytest.mark.local_only
def test_download_never_reads_outside_the_storage_directory(app, api, owner, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    digest = sha(b"whatever")
    os.makedirs(app.config["FILES_DIR"])
    os.symlink(tmp_path, os.path.join(app.config["FILES_DIR"], digest[:2]))
    os.makedirs(tmp_path / digest[2:4])
    os.symlink(secret, tmp_path / digest[2:4] / digest)  # FILES_DIR/ab/cd/<sha> → outside
    planted = File.create(name="x.txt", size=1, sha256=digest, author=owner)
    forged = File.create(name="passwd", size=1, sha256="../../../../etc/passwd", author=owner)
    assert api.call("download", id_file=planted.id) == FILE_NOT_FOUND
    assert api.call("download", id_file=forged.id) == FILE_NOT_FOUND


# save_attachments and attach_uploaded, called directly as post_* actions call them


def test_save_attachments_attaches_to_the_given_target(app, owner, task):
    with app.test_request_context():
        files = save_attachments([upload(b"a", "a.txt"), upload(b"b", "b.txt")], owner,
                                 task=task)
        with pytest.raises(ValueError):
            save_attachments([upload(b"c", "c.txt")], owner, task=task, project=task.project)
        assert save_attachments([], owner, task=task) == []
    assert [(f.name, f.task_id, f.project_id, f.comment_id) for f in files] == [
        ("a.txt", task.id, None, None), ("b.txt", task.id, None, None)]


def test_attach_uploaded_links_uploads_to_a_task(api, task):
    uploaded = ok_data(upload_files(api, part(b"one", "one.txt"), part(b"two", "two.txt")))
    files = attach_uploaded(FileRefs().deserialize(uploaded), task)
    assert [(f.id, f.task_id) for f in files] == [(1, task.id), (2, task.id)]
    assert [f["name"] for f in ok_data(api.call("get_files", id_task=task.id))] == [
        "one.txt", "two.txt"]
    assert attach_uploaded([], task) == []


def test_attach_uploaded_refuses_unknown_and_attached_files(api, project, task, owner):
    ok_data(upload_files(api, part(b"one", "one.txt")))
    other = Task.create(project=project, name="Other", author=owner)
    attach_uploaded([1], other)
    with pytest.raises(UploadInvalid) as raised:
        attach_uploaded([1, 7], task)
    assert (raised.value.status_code, raised.value.message, raised.value.details) == (
        11, "File is not an unattached upload", "1,7")
    assert File.get_by_id(1).task_id == other.id


@pytest.mark.parametrize(("value", "ids"), [
    ([{"id": "12", "ext": "txt", "name": "a.txt", "icon": None, "error": None}, {"id": 3}],
     [12, 3]),
    ("4,5, 4", [4, 5]),
    ([6, "7"], [6, 7]),
])
def test_file_refs_load_the_objects_upload_files_returned(value, ids):
    assert FileRefs().deserialize(value) == ids


@pytest.mark.parametrize("value", [[{"name": "a.txt"}], ["x"], [0], [[1]], True])
def test_file_refs_refuse_anything_else(value):
    with pytest.raises(ValidationError):
        FileRefs().deserialize(value)


def test_blobs_of_a_rolled_back_action_are_removed(app, api, monkeypatch, owner):
    with app.test_request_context():
        save_attachments([upload(b"kept", "kept.txt")], owner)

    def attach_then_fail(params):
        save_attachments([upload(b"kept", "again.txt"), upload(b"new", "new.txt")], owner)
        raise UploadInvalid()

    monkeypatch.setitem(ACTIONS, "attach_then_fail", Action(
        "attach_then_fail", attach_then_fail, Params(), "", True, "attach_then_fail"))
    assert api.call("attach_then_fail")["message"] == "File is not an unattached upload"
    assert [f.name for f in File.select()] == ["kept.txt"]
    assert blobs(app) == [blob_path(sha(b"kept"))]


# the storage


def test_local_storage_stores_the_same_bytes_once(tmp_path):
    store = LocalStorage(str(tmp_path / "files"))
    assert store.save(io.BytesIO(b"abc")) == (sha(b"abc"), 3, True)
    assert store.save(io.BytesIO(b"abc")) == (sha(b"abc"), 3, False)
    assert store.find(sha(b"abc")) == str(tmp_path / "files" / blob_path(sha(b"abc")))
    assert os.listdir(tmp_path / "files" / "tmp") == []
    store.delete(sha(b"abc"))
    store.delete(sha(b"abc"))
    assert store.find(sha(b"abc")) is None


@pytest.mark.parametrize("digest", ["../../etc/passwd", "A" * 64, "a" * 63, ""])
def test_storage_takes_only_digests(tmp_path, digest):
    store = LocalStorage(str(tmp_path))
    with pytest.raises(ValueError):
        store.path(digest)
    assert store.find(digest) is None


@pytest.fixture(params=["local", "s3"])
def any_storage(request, tmp_path):
    if request.param == "local":
        return open_storage(None, str(tmp_path / "files"))
    return open_storage(request.getfixturevalue("s3_url"), "unused")


def test_every_storage_saves_opens_and_deletes_by_content(any_storage):
    data = os.urandom(3 * 1024 * 1024 + 5)  # several read chunks
    assert any_storage.save(io.BytesIO(data)) == (sha(data), len(data), True)
    assert any_storage.save(io.BytesIO(data)) == (sha(data), len(data), False)
    assert any_storage.exists(sha(data))
    blob = any_storage.open(sha(data))
    assert blob.size == len(data)
    if blob.stream is None:
        with open(blob.path, "rb") as stream:
            assert stream.read() == data
    else:
        with blob.stream:
            assert blob.stream.read() == data
    any_storage.delete(sha(data))
    any_storage.delete(sha(data))
    assert (any_storage.exists(sha(data)), any_storage.open(sha(data))) == (False, None)


@pytest.mark.parametrize("digest", ["../../etc/passwd", "A" * 64, ""])
def test_every_storage_opens_only_digests(any_storage, digest):
    assert (any_storage.exists(digest), any_storage.open(digest)) == (False, None)


def test_files_url_names_the_storage(tmp_path):
    assert open_storage(f"file://{tmp_path}", "unused").location == str(tmp_path)
    assert open_storage("", str(tmp_path)).location == str(tmp_path)
    with pytest.raises(ValueError, match="s3:// or file://"):
        open_storage("ftp://host/files", str(tmp_path))


# the official client (worksection-api-client 2.1.2)


@pytest.fixture
def ws(live_server):
    return Client(live_server).set_api_key(API_KEY)


def test_official_client_uploads_lists_and_downloads(ws, app, task, tmp_path):
    source = tmp_path / "Звіт.txt"
    source.write_bytes(b"quarterly numbers\n")
    uploaded = ws.files.upload([str(source)])
    assert [(u.id, u.ext, u.name, u.icon, u.error) for u in uploaded] == [
        ("1", "txt", "Звіт.txt", None, None)]
    attach_uploaded(FileRefs().deserialize([u.to_dict() for u in uploaded]), task)
    listed = ws.files.list({"id_task": task.id})
    assert [(f.id, f.page, f.name, f.size, f.user_from.email) for f in listed] == [
        ("1", "/download/1/", "Звіт.txt", "18", HENRY["email"])]
    sink = tmp_path / "downloaded"
    got = ws.files.download(1, str(sink))
    assert (got.filename, got.type) == ("Звіт.txt", "attachment")
    assert sink.read_bytes() == b"quarterly numbers\n"
    with pytest.raises(ResponseException, match="File not found"):
        ws.files.download(99, str(sink))


def test_official_client_attaches_an_upload_to_a_new_task(ws, project, tmp_path):
    source = tmp_path / "logo.png"
    source.write_bytes(b"\x89PNG fake")
    uploaded = ws.files.upload([str(source)])
    task = ws.tasks.create(project.id, "Logo", {"files": uploaded})
    listed = ws.files.list({"id_task": task.id})
    assert [(f.name, f.size) for f in listed] == [("logo.png", "9")]
    ws.files.download(int(listed[0].id), str(tmp_path / "back"))
    assert (tmp_path / "back").read_bytes() == b"\x89PNG fake"
    with pytest.raises(ResponseException, match="post_task: File is not an unattached upload"):
        ws.tasks.create(project.id, "Again", {"files": uploaded})


@pytest.mark.parametrize(("action_name", "target"), [
    ("post_project", {}), ("post_task", {"title": "Logo"}), ("post_comment", {"text": "Hi"})])
def test_attach_parts_on_post_actions(app, api, project, task, action_name, target):
    where = {"post_project": {"title": "New"}, "post_task": {"id_project": project.id},
             "post_comment": {"id_task": task.id}}[action_name]
    body = api.post_form(action_name, files={"attach[0]": part(b"one", "one.txt"),
                                             "attach[1]": part(b"two", "../two.txt")},
                         **where, **target)
    assert body["status"] == "ok", body
    files = list(File.select().order_by(File.id))
    assert [(f.name, f.size) for f in files] == [("one.txt", 3), ("two.txt", 3)]
    assert blobs(app) == sorted(blob_path(sha(data)) for data in (b"one", b"two"))
    owner_of = {"post_project": "project_id", "post_task": "task_id",
                "post_comment": "comment_id"}[action_name]
    assert all(getattr(f, owner_of) is not None for f in files)


@pytest.mark.parametrize("action_name", ["post_project", "post_task", "post_comment"])
def test_attach_over_the_limit_on_post_actions_creates_nothing(app, api, project, task,
                                                               action_name):
    app.config["MAX_FILE_SIZE"] = 2
    where = {"post_project": {"title": "New"},
             "post_task": {"id_project": project.id, "title": "Logo"},
             "post_comment": {"id_task": task.id, "text": "Hi"}}[action_name]
    counts = (Project.select().count(), Task.select().count(), Comment.select().count())
    body = api.post_form(action_name, files={"attach[0]": part(b"big", "big.txt")}, **where)
    assert body == {"status": "error", "status_code": 11,
                    "message": "File is too large: the limit is 2 bytes",
                    "message_details": "big.txt"}
    assert (Project.select().count(), Task.select().count(), Comment.select().count()) == counts
    assert File.select().count() == 0
    assert blobs(app) == []
