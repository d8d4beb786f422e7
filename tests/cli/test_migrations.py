"""Versioned migrations: a database of the previous release (commit 7a73931, built from the
SQL in fixtures/) is recognised, stamped and upgraded with its data; new migrations run once,
in order, in one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import API_KEY, OWNER_EMAIL, SECRET_KEY, Api, ok_data

import models.migrations as migrations
from app import create_app
from models import all_models
from models.backup import bound_to
from models.base import connect_database, db
from models.keys import ApiKeyVersion
from models.loading import advance_sequences
from models.migrations import SchemaVersion, applied_versions, head, upgrade
from models.migrations.sync import existing_columns, existing_indexes
from models.tasks import Task

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = head()  # the last migration of this release; the tests add the one after it
NICKNAME = '''"""Members get a nickname, their first name to begin with."""
from peewee import CharField
from playhouse.migrate import migrate


def upgrade(migrator):
    migrate(migrator.add_column("members", "nickname", CharField(max_length=100, default="")))
    migrator.database.execute_sql('UPDATE "members" SET "nickname" = "first_name"')
'''


def is_postgres(url: str) -> bool:
    return url.startswith("postgres")


def statements(name: str) -> list[str]:
    lines = (FIXTURES / name).read_text().splitlines()
    return [line.rstrip(";") for line in lines if line and not line.startswith("--")]


def load_previous_release(url: str) -> None:
    """Build the database as commit 7a73931 left it: its tables, its data, no version."""
    dialect = "postgresql" if is_postgres(url) else "sqlite"
    with bound_to(connect_database(url)):
        if is_postgres(url):
            db.drop_tables([*all_models(), SchemaVersion], safe=True, cascade=True)
        for statement in statements(f"schema_7a73931.{dialect}.sql") + statements(
                "data_7a73931.sql"):
            db.execute_sql(statement)
        advance_sequences()  # as the old release's own inserts would have


def open_app(url: str, tmp_path: Path):
    return create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                       "API_KEY": API_KEY, "OWNER_EMAIL": OWNER_EMAIL,
                       "FILES_DIR": str(tmp_path / "files")})


def test_a_database_of_the_previous_release_is_upgraded_with_its_data(app, tmp_path):
    url = app.config["DATABASE_URL"]
    url = url if is_postgres(url) else f"sqlite:///{tmp_path / 'previous.sqlite'}"
    load_previous_release(url)
    old = open_app(url, tmp_path)
    output = old.test_cli_runner().invoke(args=["init-db"]).output
    assert "Database ready" in output and "Admin API key" not in output  # its key is kept
    with old.app_context():
        assert applied_versions() == {m.version for m in migrations.migrations()}
        columns = existing_columns()
        assert {m._meta.table_name: {f.column_name for f in m._meta.sorted_fields} - columns[
            m._meta.table_name] for m in all_models()} == {m._meta.table_name: set()
                                                          for m in all_models()}
        assert ApiKeyVersion.current() is not None  # 0002: the keys' version, from the start
        db.close()
    api = Api(old.test_client())  # signed with the key the old release sealed
    users = ok_data(api.call("get_users"))
    assert [(u["email"], u["department"]) for u in users] == [
        (OWNER_EMAIL, ""), ("kate.greenway@ws.com", "Design")]
    tasks = ok_data(api.call("get_all_tasks", show_subtasks=1))
    assert [(t["name"], [c["name"] for c in t.get("child", [])]) for t in tasks] == [
        ("Brand book", ["Logo"])]
    task = tasks[0]["id"]
    assert [c["text"] for c in ok_data(api.call("get_comments", id_task=task))] == [
        "First draft is ready"]
    assert ok_data(api.call("get_costs", id_task=task))[0]["time"] == "1:30"
    assert int(ok_data(api.call("post_task", id_project=tasks[0]["project"]["id"],
                                title="After the upgrade"))["id"]) == 3


def test_a_fresh_database_is_created_at_the_latest_version(tmp_path):
    fresh = open_app(f"sqlite:///{tmp_path / 'fresh.sqlite'}", tmp_path)
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).output.splitlines() == [
        "Applied 0001_baseline", f"Schema version {head()} (latest {head()})"]
    assert runner.invoke(args=["db", "status"]).output == (
        f"Schema version {head()} (latest {head()})\n")
    db.obj.close_all()


@pytest.fixture
def extra_migrations(tmp_path, monkeypatch, app):
    """A migrations package of today's migrations and the next one, which the test writes;
    undone afterwards."""
    def make(name: str, source: str) -> None:
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text("")
        for migration in migrations.migrations():
            (package / f"m{migration.label}.py").write_text(
                f"from models.migrations.m{migration.label} import upgrade  # noqa: F401\n")
        (package / f"m{TODAY + 1:04d}_nickname.py").write_text(source)
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.setattr(migrations, "PACKAGE", name)
    yield make
    with app.app_context():
        SchemaVersion.delete().where(SchemaVersion.version > TODAY).execute()
        if "nickname" in existing_columns()["members"] and is_postgres(
                app.config["DATABASE_URL"]):
            db.execute_sql('ALTER TABLE "members" DROP COLUMN "nickname"')
        db.close()


def test_a_new_migration_runs_once_and_is_recorded(app, api, extra_migrations):
    extra_migrations("migrations_nickname", NICKNAME)
    output = app.test_cli_runner().invoke(args=["db", "status"]).output
    assert output == (f"Schema version {TODAY} (latest {TODAY + 1})\n"
                      f"Pending {TODAY + 1:04d}_nickname\n")
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    with app.app_context():
        assert applied_versions() == set(range(1, TODAY + 2))
        assert upgrade() == []
        rows = db.execute_sql('SELECT "first_name", "nickname" FROM "members"').fetchall()
        assert rows and all(first == nickname for first, nickname in rows)
        db.close()


def test_a_failing_migration_leaves_nothing_behind(app, extra_migrations):
    extra_migrations("migrations_failing", NICKNAME + "    raise RuntimeError('half way')\n")
    with app.app_context(), pytest.raises(RuntimeError, match="half way"):
        upgrade()
    with app.app_context():
        assert applied_versions() == set(range(1, TODAY + 1))
        assert "nickname" not in existing_columns()["members"]
        db.close()


def test_a_database_upgraded_by_a_newer_taskgate_is_refused(app, extra_migrations):
    with app.app_context():
        SchemaVersion.create(version=head() + 1, name="from_the_future")
        db.close()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert f"newer than this Taskgate's {head()}: run the newer version" in result.output


def test_an_index_a_model_declares_is_created_when_missing(app):
    index = Task._meta.fields_to_index()[0]._name
    with app.app_context():
        db.execute_sql(f'DROP INDEX "{index}"')
        assert index not in existing_indexes()
        upgrade()
        assert index in existing_indexes()
        db.close()
