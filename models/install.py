"""First-run set-up of an install (tables, the main team, the owner and the admin key), and
the additive schema upgrade a newer version needs on an older database."""

from __future__ import annotations

from collections import defaultdict

from peewee import PostgresqlDatabase
from playhouse.migrate import SchemaMigrator, migrate

from models import all_models, create_tables
from models.base import db
from models.keys import ApiKey
from models.members import Team, User
from models.renumber import upgrade_ids

ADMIN_KEY_NAME = "admin"


def ensure_install(master: str, owner_email: str, api_key: str | None = None) -> str | None:
    """Create what is missing; return the admin key's plaintext when it was just created."""
    create_tables()
    add_missing_columns()
    upgrade_ids(all_models(), User)
    with db.atomic():
        team = Team.main()
        if not User.select().where(User.role == "owner").exists():
            first, _, last = owner_email.split("@")[0].partition(".")
            User.create(email=owner_email.lower(), first_name=first.capitalize(),
                        last_name=last.capitalize(), role="owner", team=team)
        if ApiKey.get_or_none(ApiKey.name == ADMIN_KEY_NAME) is None:
            return ApiKey.issue(ADMIN_KEY_NAME, master, secret=api_key)[1]
    return None


def add_missing_columns() -> list[str]:
    """Add the columns a newer version's models have and the database lacks (each new column
    is nullable or has a default, so existing rows get a value); return them as table.column.
    Removing or changing a column is never done here."""
    migrator = SchemaMigrator.from_database(db.obj)
    added, operations = [], []
    columns = existing_columns()
    for model in all_models():
        table = model._meta.table_name
        for field in model._meta.sorted_fields:
            if field.column_name not in columns[table]:
                operations.append(migrator.add_column(table, field.column_name, field))
                added.append(f"{table}.{field.column_name}")
    if operations:
        with db.atomic():
            migrate(*operations)
    return added


def existing_columns() -> dict[str, set[str]]:
    """The columns of every table, by table: in one query on PostgreSQL, whose catalogue is
    slow to ask table by table (that made every test's set-up 100 ms longer)."""
    if isinstance(db.obj, PostgresqlDatabase):
        cursor = db.execute_sql("SELECT table_name, column_name FROM information_schema.columns"
                                " WHERE table_schema = current_schema()")
        columns: dict[str, set[str]] = defaultdict(set)
        for table, column in cursor.fetchall():
            columns[table].add(column)
        return columns
    return {model._meta.table_name: {c.name for c in db.get_columns(model._meta.table_name)}
            for model in all_models()}
