"""Installing and upgrading: ensure_install on a database made by an older version."""

from __future__ import annotations

from conftest import API_KEY, OWNER_EMAIL, SECRET_KEY, ok_data

from models.base import db
from models.install import add_missing_columns, ensure_install


def test_a_column_added_by_a_newer_version_is_added_with_its_default(app, api):
    ok_data(api.call("add_user", email="kate@ws.com", department="Design"))
    with app.app_context():
        db.execute_sql('ALTER TABLE "members" DROP COLUMN "department"')
        assert ensure_install(SECRET_KEY, OWNER_EMAIL, API_KEY) is None
        assert "department" in {column.name for column in db.get_columns("members")}
        assert add_missing_columns() == []
        db.close()
    assert [u["department"] for u in ok_data(api.call("get_users"))] == ["", ""]
