"""Export and import, backup and restore: every table, object by object, on either
database, and an install moved from SQLite to PostgreSQL and back."""

from __future__ import annotations

import gzip
import json
import os

import pytest
from account_kit import CONTENT, KATE, every_row, populate
from conftest import API_KEY, OWNER_EMAIL, SECRET_KEY, Api, ok_data

import models.transfer as transfer
from app import create_app
from models import all_models
from models.backup import bound_to
from models.base import connect_database, db
from models.install import ensure_install
from models.migrations import head


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def url_of(app) -> str:
    return app.config["DATABASE_URL"]


def test_the_sample_account_has_rows_in_every_table(app, api):
    """A new model must get rows in account_kit.populate, so the round trips cover it."""
    populate(app, api)
    empty = [table for table, rows in every_row(url_of(app)).items() if not rows]
    assert empty == []


def test_export_then_import_gives_back_every_object(app, api, tmp_path):
    populate(app, api)
    before = every_row(url_of(app))
    result = run(app, "export", str(tmp_path / "account.jsonl"))
    assert result.exit_code == 0, result.output
    app.config["FILES_DIR"] = str(tmp_path / "other-files")
    result = run(app, "import", "--force", str(tmp_path / "account.jsonl"))
    assert result.exit_code == 0, result.output
    after = every_row(url_of(app))
    assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
    assert after == before
    assert f"Imported {sum(map(len, before.values()))} rows and 1 files" in result.output
    files = ok_data(api.call("get_files", id_task=first_task(before)))
    download = api.get("download", {"id_file": files[0]["id"]})
    assert download.data == CONTENT  # the content travelled
    download.close()
    created = ok_data(api.call("post_task", id_project=project_of(before),
                               title="After the move"))
    assert int(created["id"]) > max(row[0] for row in before["tasks"])  # ids move on


def first_task(rows) -> int:
    return rows["tasks"][0][0]


def project_of(rows) -> int:
    return rows["projects"][0][0]


def test_the_format_is_versioned_and_lists_every_table(app, api, tmp_path):
    populate(app, api)
    run(app, "export", "--no-files", str(tmp_path / "account.jsonl.gz"))
    with gzip.open(tmp_path / "account.jsonl.gz", "rt") as lines:
        records = [json.loads(line) for line in lines]
    header = records[0]
    assert (header["format"], header["version"], header["schema_version"]) == (
        "taskgate-export", 1, head())
    tables = [model._meta.table_name for model in all_models()]
    assert list(header["tables"]) == tables and header["files"] == 0
    assert [r["table"] for r in records if isinstance(r, dict) and "table" in r] == tables
    assert records[-1] == {"end": True}
    keys = records[records.index(next(r for r in records if r == {
        "table": "api_keys", "columns": r.get("columns")})) + 1]
    assert API_KEY not in json.dumps(records) and keys[2].startswith("gAAAA")  # sealed


def test_import_refuses_a_database_with_data_unless_forced(app, api, tmp_path):
    run(app, "export", str(tmp_path / "account.jsonl"))
    ok_data(api.call("add_user", email=KATE))
    result = run(app, "import", str(tmp_path / "account.jsonl"))
    assert result.exit_code == 1
    assert "The database is not empty: pass --force to replace its content" in result.output
    assert len(ok_data(api.call("get_users"))) == 2


@pytest.mark.parametrize("damage, message", [
    (lambda lines: lines[:-1], "The file is cut short (no end record): nothing was imported"),
    (lambda lines: ['{"format": "other"}'] + lines[1:], "Not a Taskgate export"),
    (lambda lines: [json.dumps({**json.loads(lines[0]), "schema_version": 9999})]
     + lines[1:], "The export comes from a newer Taskgate (schema 9999"),
    (lambda lines: [lines[0], '{"table": "nope", "columns": []}'] + lines[1:],
     "Unknown table 'nope'"),
])
def test_a_damaged_file_imports_nothing(app, api, tmp_path, damage, message):
    populate(app, api)
    before = every_row(url_of(app))
    run(app, "export", str(tmp_path / "account.jsonl"))
    lines = (tmp_path / "account.jsonl").read_text().splitlines()
    (tmp_path / "damaged.jsonl").write_text("\n".join(damage(lines)) + "\n")
    result = run(app, "import", "--force", str(tmp_path / "damaged.jsonl"))
    assert result.exit_code == 1 and message in result.output, result.output
    assert every_row(url_of(app)) == before


def test_backup_then_restore_gives_back_the_moment_of_the_backup(app, api, tmp_path):
    populate(app, api)
    before = every_row(url_of(app))
    result = run(app, "backup", str(tmp_path / "taskgate.backup"))
    assert result.exit_code == 0, result.output
    ok_data(api.call("add_user", email="late.comer@ws.com"))
    assert run(app, "restore", str(tmp_path / "taskgate.backup")).exit_code == 1
    result = run(app, "restore", "--force", str(tmp_path / "taskgate.backup"))
    assert result.exit_code == 0, result.output
    assert every_row(url_of(app)) == before
    assert [u["email"] for u in ok_data(api.call("get_users"))] == [OWNER_EMAIL, KATE]


def test_a_sqlite_backup_is_a_sqlite_file(app, tmp_path):
    if not url_of(app).startswith("sqlite"):
        pytest.skip("on PostgreSQL a backup is an export (tested above)")
    run(app, "backup", str(tmp_path / "taskgate.backup"))
    assert (tmp_path / "taskgate.backup").read_bytes()[:16] == b"SQLite format 3\x00"


def test_an_install_moves_from_sqlite_to_postgresql_and_back(app, tmp_path):
    target = url_of(app)
    if not target.startswith("postgres"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL=postgresql://... to run it")
    source = sqlite_app(tmp_path / "source.sqlite", tmp_path / "files")  # binds the models
    populate(source, Api(source.test_client()))
    on_sqlite = every_row(url_of(source))
    assert run(source, "export", str(tmp_path / "move.jsonl")).exit_code == 0
    with bound_to(connect_database(target)):
        assert run(app, "import", "--force", str(tmp_path / "move.jsonl")).exit_code == 0
        assert every_row(target) == on_sqlite
        api = Api(app.test_client())
        assert {u["email"] for u in ok_data(api.call("get_users"))} == {OWNER_EMAIL, KATE}
        assert run(app, "export", str(tmp_path / "back.jsonl")).exit_code == 0
    back = sqlite_app(tmp_path / "back.sqlite", tmp_path / "files-back", install=False)
    assert run(back, "import", str(tmp_path / "back.jsonl")).exit_code == 0
    assert every_row(url_of(back)) == on_sqlite
    assert os.listdir(tmp_path / "files-back")


def sqlite_app(path, files, install: bool = True):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}",
                      "SECRET_KEY": SECRET_KEY, "API_KEY": API_KEY, "OWNER_EMAIL": OWNER_EMAIL,
                      "FILES_DIR": str(files)})
    if install:
        with app.app_context():
            ensure_install(SECRET_KEY, OWNER_EMAIL, API_KEY)
            db.close()
    return app


def test_an_export_made_before_a_column_existed_loads_with_its_default(app, api, tmp_path):
    ok_data(api.call("add_user", email=KATE, department="Design"))
    run(app, "export", str(tmp_path / "account.jsonl"))
    records = [json.loads(line) for line in (tmp_path / "account.jsonl").read_text().splitlines()]
    table = None
    for record in records:  # as an older version, without members.department, wrote it
        if isinstance(record, dict) and "table" in record:
            table = record
            dropped = record["columns"].index("department") if record["table"] == "members" \
                else None
            if dropped is not None:
                record["columns"].pop(dropped)
        elif isinstance(record, list) and table["table"] == "members":
            record.pop(dropped)
    (tmp_path / "older.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    result = run(app, "import", "--force", str(tmp_path / "older.jsonl"))
    assert result.exit_code == 0, result.output
    assert [u["department"] for u in ok_data(api.call("get_users"))] == ["", ""]


def test_an_export_with_a_table_dropped_since_loads_without_it(app, api, tmp_path):
    """0.1.0 exported its failed logins; 0.2.0 counts them outside the database."""
    ok_data(api.call("add_user", email=KATE))
    run(app, "export", str(tmp_path / "account.jsonl"))
    lines = (tmp_path / "account.jsonl").read_text().splitlines()
    older = [*lines[:-1], json.dumps({"table": "login_failures", "columns": ["id", "email"]}),
             json.dumps([1, KATE]), lines[-1]]
    (tmp_path / "older.jsonl").write_text("\n".join(older) + "\n")
    result = run(app, "import", "--force", str(tmp_path / "older.jsonl"))
    assert result.exit_code == 0, result.output
    assert KATE in [u["email"] for u in ok_data(api.call("get_users"))]


def test_rows_are_read_a_page_at_a_time_without_a_gap(app, api, monkeypatch):
    populate(app, api)
    monkeypatch.setattr(transfer, "PAGE", 2)
    with app.app_context():
        for model in all_models():
            keys = transfer.primary_key_fields(model)
            everything = model.select(*model._meta.sorted_fields).order_by(*keys).tuples()
            assert list(transfer.rows_of(model)) == list(everything), model._meta.table_name
        db.close()


@pytest.mark.parametrize("export", [False, True])
def test_backups_are_written_at_0600(app, api, tmp_path, export):
    populate(app, api)
    target = tmp_path / "taskgate.backup"
    result = run(app, "backup", *(["--export"] if export else []), str(target))
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_a_postgresql_backup_is_pg_dump_and_a_restore_never_reuses_an_id(app, api, tmp_path):
    import shutil

    if not url_of(app).startswith("postgres"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL=postgresql://... to run it")
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not on the PATH (apt-get install postgresql-client)")
    populate(app, api)
    before = every_row(url_of(app))
    assert run(app, "backup", str(tmp_path / "taskgate.dump")).exit_code == 0
    assert (tmp_path / "taskgate.dump").read_bytes()[:5] == b"PGDMP"
    late = ok_data(api.call("add_user", email="late.comer@ws.com"))
    result = run(app, "restore", "--force", str(tmp_path / "taskgate.dump"))
    assert result.exit_code == 0, result.output
    assert every_row(url_of(app)) == before
    again = ok_data(api.call("add_user", email="later.still@ws.com"))
    assert int(again["id"]) > int(late["id"])  # handed out after the backup: not again
