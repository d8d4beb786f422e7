"""get_tasks' pages read a project's top-level tasks in id order through a partial index,
``tasks_top_level_by_project`` (created by the schema sync that follows): the plain
``(project_id, id)`` index it replaces was never chosen by PostgreSQL's planner and only cost
every task write."""

from __future__ import annotations

from playhouse.migrate import SchemaMigrator


def upgrade(migrator: SchemaMigrator) -> None:
    migrator.database.execute_sql('DROP INDEX IF EXISTS "tasks_project_id_id"')
