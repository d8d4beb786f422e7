"""Make the upgrade test's fixture with the PREVIOUS release's code (not a test).

    git archive <previous release> | tar -x -C /tmp/previous
    cd /tmp/previous && /path/to/checkout/.venv/bin/python \\
        /path/to/checkout/tests/upgrade/make_fixture.py DATABASE_URL OUT_DIR

Fills DATABASE_URL (an empty SQLite file or PostgreSQL database) through the API, then
writes OUT_DIR/answers.<dialect>.json (what the API answered, the rows per table) and the
uploaded files under OUT_DIR/files/. The dump itself is made by tests/upgrade/README.md's
commands (sqlite3 .dump or pg_dump --inserts).
"""

import hashlib
import json
import os
import shutil
import sys
from urllib.parse import urlencode

sys.path.insert(0, os.getcwd())

from app import create_app  # noqa: E402 - the previous release's code, from the cwd
from models import all_models  # noqa: E402
from models.install import ensure_install  # noqa: E402

SECRET, KEY = "upgrade-fixture-secret", "0123456789abcdef0123456789abcdef"
READS = [("get_users", {}), ("get_projects", {}), ("get_tasks", {"id_project": 1}),
         ("get_task", {"id_task": 1}), ("get_comments", {"id_task": 1}),
         ("get_files", {"id_task": 1}), ("get_costs", {}), ("get_tags", {})]


def main(url: str, out: str) -> None:
    dialect = "postgresql" if url.startswith("postgres") else "sqlite"
    files = os.path.join(out, "files")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET,
                      "API_KEY": KEY, "FILES_DIR": files, "OWNER_EMAIL": "owner@example.com"})
    with app.app_context():
        ensure_install(SECRET, "owner@example.com", KEY)
    client = app.test_client()

    def call(action, files=None, **params):
        query = urlencode({"action": action, **params})
        sign = hashlib.md5((query + KEY).encode()).hexdigest()
        body = client.post(f"/api/admin/v2/?{query}&hash={sign}", data=files or None).get_json()
        assert body["status"] == "ok", (action, body)
        return body.get("data")

    call("add_user", email="kate@example.com", first_name="Kate", last_name="Lee")
    call("post_project", title="Launch", email_manager="owner@example.com")
    call("post_task", id_project=1, title="Write the plan", text="First", priority=5)
    call("post_task", id_project=1, title="Ship it", email_user_to="kate@example.com")
    call("post_task", id_project=1, id_parent=1, title="A subtask")
    call("post_comment", id_task=1, text="Looks good")
    call("add_costs", id_task=1, time="1:30", comment="planning")
    call("add_task_tag_groups", title="Kind", type="label", access="public")
    call("add_task_tags", group="Kind", title="urgent")
    call("update_task_tags", id_task=1, plus="urgent")
    import io
    call("upload_files", id_task=1, files={"files[]": (io.BytesIO(b"the plan\n"), "plan.txt")})
    answers = {f"{action} {json.dumps(params, sort_keys=True)}": call(action, **params)
               for action, params in READS}
    with app.app_context():
        rows = {m._meta.table_name: m.select().count() for m in all_models()}
    with open(os.path.join(out, f"answers.{dialect}.json"), "w") as handle:
        json.dump({"secret": SECRET, "key": KEY, "rows": rows, "answers": answers}, handle,
                  indent=1, sort_keys=True, ensure_ascii=False)
    shutil.rmtree(os.path.join(files, "tmp"), ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
