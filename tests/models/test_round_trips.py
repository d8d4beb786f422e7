"""What a request costs in round trips to PostgreSQL, and what the savings must not cost.

A read sends neither BEGIN nor COMMIT (``models.deferred.DeferredTransaction``), but a write made
in a read's transaction, or a lock taken there, is still one transaction; a pooled connection
is not pinged when it was in use a moment ago, but one the server closed is never handed out.
"""

from __future__ import annotations

import tempfile

import pytest
from conftest import ok_data
from peewee import IntegrityError
from psycopg.pq import TransactionStatus

from actions.gateway import key_cache
from bench.pg_round_trips import round_trips, traced
from models.base import connect_database, db, run_later, transaction
from models.comments import Comment
from models.compiled import compiled, together
from models.events import Event
from models.members import User
from models.postgres import is_plain_read, set_up
from models.projects import Project
from models.tasks import Task, TaskSubscriber


def status() -> TransactionStatus:
    return db.connection().pgconn.transaction_status


@pytest.mark.parametrize(("sql", "plain"), [
    ('SELECT "t1"."id" FROM "tasks" AS "t1" WHERE ("t1"."id" = %s)', True),
    ('((SELECT %s, "t1"."task_id" FROM "task_tags" AS "t1") UNION ALL (SELECT 1, 2))', True),
    ('SELECT "t1"."id" FROM "notices" AS "t1" ORDER BY "t1"."id" FOR UPDATE', False),
    ("select id from notices order by id\nfor  update", False),
    ("SELECT pg_advisory_xact_lock(%s)", False),
    ("SELECT setval('tasks_id_seq', 5)", False),
    ('INSERT INTO "tasks" ("name") VALUES (%s) RETURNING "tasks"."id"', False),
    ('WITH moved AS (DELETE FROM "tags" RETURNING *) SELECT * FROM moved', False),
    ('SAVEPOINT "s1";', False),
    ('UPDATE "api_keys" SET "last_used" = %s', False),
])
def test_only_a_select_that_locks_sets_and_moves_nothing_is_a_plain_read(sql, plain):
    assert is_plain_read(sql) is plain


def test_a_write_in_a_reads_transaction_begins_it_and_an_error_undoes_it(postgres, control):
    with pytest.raises(RuntimeError), transaction(writes=False):
        User.select().count()
        assert status() == TransactionStatus.IDLE  # the read ran alone
        User.create(email="late@example.com")
        assert status() == TransactionStatus.INTRANS
        User.create(email="later@example.com")
        raise RuntimeError("the action failed after its writes")
    assert control == ["BEGIN", "ROLLBACK"]
    assert not User.select().where(User.email.startswith("late")).exists()


def test_writes_in_a_reads_transaction_are_committed_together(postgres, control):
    with transaction(writes=False):
        User.create(email="late@example.com")
        with db.atomic():  # a savepoint inside
            User.create(email="later@example.com")
    assert control == ["BEGIN", "COMMIT"]
    assert User.select().where(User.email.startswith("late")).count() == 2


def test_a_row_lock_in_a_reads_transaction_is_held_to_its_end(postgres):
    user = User.create(email="locked@example.com")
    with transaction(writes=False):
        list(User.select().where(User.id == user.id).for_update())
        assert status() == TransactionStatus.INTRANS
    assert status() == TransactionStatus.IDLE


def test_another_default_isolation_begins_every_transaction_at_once(postgres, control):
    connection = db.connection()
    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_isolation = 'repeatable read'")
    try:
        assert not set_up(connection)
        connection.taskgate_read_committed = False
        with transaction(writes=False):
            User.select().count()
        assert control == ["BEGIN", "COMMIT"]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET default_transaction_isolation")
        connection.taskgate_read_committed = True


def test_a_connection_back_from_a_request_is_reused_without_a_ping(postgres, api, monkeypatch):
    pings = []
    real = postgres._adapter.is_connection_closed
    monkeypatch.setattr(postgres._adapter, "is_connection_closed",
                        lambda conn: pings.append(conn) or real(conn))
    for _ in range(3):
        ok_data(api.call("get_users"))
    assert pings == []


def test_a_connection_the_server_closed_is_replaced_unseen(postgres, api, database_url):
    ok_data(api.call("get_users"))
    pooled = [conn for _, _, conn in postgres._connections]
    assert pooled
    other, pids = connect_database(database_url), [conn.info.backend_pid for conn in pooled]
    for pid in pids:  # returns once signalled: the backend ends (and says so) a moment later
        other.execute_sql("SELECT pg_terminate_backend(%s, 10000)", (pid,))
    other.close_all()
    assert ok_data(api.call("get_users"))  # no error: the dead connection was not handed out
    assert all(conn.closed for conn in pooled)


def trips_of(postgres, call) -> list[str]:
    """The round trips of one warm ``call`` (each: the commands it completed)."""
    call()
    call()  # the second run prepares what the connection repeats
    with tempfile.NamedTemporaryFile("r", suffix=".trace") as trace:
        with traced(postgres, trace.name):
            call()
        return round_trips(trace.read().splitlines())


@pytest.fixture
def key_checked_once(monkeypatch):
    """The key cache reads its version once a test (a read every quarter second would add a
    round trip to whichever call came after it)."""
    monkeypatch.setattr(key_cache, "CHECK_EVERY", 3600)


EXTRAS = "text,html,files,comments,relations,subtasks,subscribers,custom_fields"


def test_a_task_and_every_extra_are_read_in_one_round_trip(postgres, api, key_checked_once):
    project = Project.create(name="Trips", author=User.owner())
    task = Task.create(project=project, name="One", author=User.owner())
    trips = trips_of(postgres, lambda: ok_data(api.call("get_task", id_task=task.id,
                                                        extra=EXTRAS)))
    assert trips == ["+".join(["SELECT"] * 7)]  # the task with its tags and people, six extras


def test_a_page_its_total_and_its_extras_are_read_together(postgres, api, key_checked_once):
    project = Project.create(name="Trips", author=User.owner())
    Task.create(project=project, name="One", author=User.owner())
    trips = trips_of(postgres, lambda: ok_data(api.call("get_tasks", id_project=project.id,
                                                        page=1, limit=10)))
    assert trips == ["SELECT+SELECT+SELECT+SELECT"]  # project, page, total, tags and people
    trips = trips_of(postgres, lambda: ok_data(api.call(
        "get_tasks", id_project=project.id, cursor="", limit=10, extra="comments,files")))
    assert trips == ["+".join(["SELECT"] * 6)]  # ... and each extra asked for
    trips = trips_of(postgres, lambda: ok_data(api.call("get_tasks", id_project=project.id,
                                                        page=1, extra="subtasks")))
    assert trips == ["SELECT+SELECT+SELECT", "SELECT", "SELECT"]  # subtasks: by the page's
    Task.create(project=project, name="Two", author=User.owner())
    trips = trips_of(postgres, lambda: ok_data(api.call("get_tasks", id_project=project.id,
                                                        page=2, limit=1)))
    assert trips == ["SELECT+SELECT", "SELECT"]  # past an offset: extras by the page's rows
    trips = trips_of(postgres, lambda: ok_data(api.call("get_users", page=1, limit=10)))
    assert trips == ["SELECT+SELECT"]


def test_begin_goes_with_the_first_statement_and_unread_writes_with_the_commit(
        postgres, api, key_checked_once):
    project = Project.create(name="Trips", author=User.owner())
    answers = []
    trips = trips_of(postgres, lambda: answers.append(ok_data(api.call(
        "post_task", id_project=project.id, title="Two"))))
    # the project, its owner and the task's id; the task, its subscribers, its event, COMMIT
    assert trips == ["BEGIN+SELECT", "INSERT+INSERT+INSERT+COMMIT"]
    task = Task.get_by_id(int(answers[-1]["id"]))  # the id taken ahead is the row's
    assert (task.name, task.project_id) == ("Two", project.id)
    assert [s.user_id for s in TaskSubscriber.select().where(TaskSubscriber.task == task)] \
        == [User.owner().id]
    assert Event.select().where(Event.task_id == task.id, Event.action == "post").count() == 1


def test_post_comment_reads_its_task_owner_and_id_at_once_and_holds_its_writes(
        postgres, api, key_checked_once):
    task = Task.create(project=Project.create(name="Trips", author=User.owner()), name="Four",
                       author=User.owner())
    answers = []
    trips = trips_of(postgres, lambda: answers.append(ok_data(api.call(
        "post_comment", id_task=task.id, text=f"Noted {len(answers)}"))))
    # the task, its owner and the comment's id; the comment, its event, COMMIT
    assert trips == ["BEGIN+SELECT", "INSERT+INSERT+COMMIT"]
    comment = Comment.get_by_id(int(answers[-1]["id"]))  # the id taken ahead is the row's
    assert (comment.text, comment.task_id, comment.author_id) == ("Noted 2", task.id,
                                                                  User.owner().id)
    assert Event.get(Event.object_type == "comment", Event.object_id == comment.id).task_id \
        == task.id


def test_update_task_reads_together_and_holds_its_writes(postgres, api, key_checked_once):
    project = Project.create(name="Trips", author=User.owner())
    task = Task.create(project=project, name="Three", author=User.owner())
    titles = iter(range(10))
    trips = trips_of(postgres, lambda: ok_data(api.call("update_task", id_task=task.id,
                                                        title=f"Three {next(titles)}")))
    # the task with its tags and people, and the owner the event names; its update, its
    # executive's subscription (none: an insert of no row), the event and the COMMIT
    assert trips == ["BEGIN+SELECT+SELECT", "UPDATE+INSERT+COMMIT"]
    assert Task.get_by_id(task.id).name == "Three 2"
    assert [event.user_id for event in Event.select().where(
        Event.task_id == task.id, Event.action == "update")] == [User.owner().id] * 3


def test_complete_task_reads_its_subtasks_with_it_and_holds_its_writes(
        postgres, api, key_checked_once):
    project = Project.create(name="Trips", author=User.owner())
    tasks = [Task.create(project=project, name=f"Five {n}", author=User.owner())
             for n in range(4)]
    child = Task.create(project=project, name="Child", author=User.owner(), parent=tasks[0],
                        root=tasks[0], depth=1)
    done = iter(tasks[1:])
    trips = trips_of(postgres, lambda: ok_data(api.call("complete_task", id_task=next(done).id)))
    # the task with its tags and people, the owner and whether it has open subtasks; its
    # update, the event and the COMMIT
    assert trips == ["BEGIN+SELECT+SELECT+SELECT", "UPDATE+INSERT+COMMIT"]
    assert [Task.get_by_id(task.id).status for task in tasks] == ["active"] + ["done"] * 3
    assert api.call("complete_task", id_task=tasks[0].id)["status_code"] == 13  # has children
    ok_data(api.call("complete_task", id_task=child.id))
    ok_data(api.call("complete_task", id_task=tasks[0].id))


def test_reopen_task_reads_its_parent_and_owner_with_it_and_holds_its_writes(
        postgres, api, key_checked_once):
    project = Project.create(name="Trips", author=User.owner())
    parent = Task.create(project=project, name="Parent", author=User.owner(), status="done")
    tasks = [Task.create(project=project, name=f"Six {n}", author=User.owner(), status="done",
                         parent=parent, root=parent, depth=1) for n in range(3)]
    assert api.call("reopen_task", id_task=tasks[0].id)["status_code"] == 14  # parent done
    ok_data(api.call("reopen_task", id_task=parent.id))
    opened = iter(tasks)
    trips = trips_of(postgres, lambda: ok_data(api.call("reopen_task", id_task=next(opened).id)))
    # the task with its parent, and the owner; its update, the event and the COMMIT
    assert trips == ["BEGIN+SELECT+SELECT", "UPDATE+INSERT+COMMIT"]
    assert {Task.get_by_id(task.id).status for task in tasks} == {"active"}
    assert [event.user_id for event in Event.select().where(
        Event.task_id == tasks[2].id, Event.action == "reopen")] == [User.owner().id]


def test_reads_sent_together_first_in_a_transaction_go_with_its_begin(postgres):
    project = Project.create(name="Trips", author=User.owner())
    statement = compiled(None, lambda: Project.select(Project.name).where(Project.id == project.id))
    with tempfile.NamedTemporaryFile("r", suffix=".trace") as trace:
        with traced(postgres, trace.name), transaction(writes=True):
            found = together((statement, {}), (statement, {}))
        trips = round_trips(trace.read().splitlines())
    assert (trips[0], trips[-1]) == ("BEGIN+SELECT+SELECT", "COMMIT")
    assert found == [[("Trips",)], [("Trips",)]]


def new_user(email: str) -> tuple[str, list]:
    """The SQL of a user's insert and its values, as Peewee renders them."""
    return User.insert(email=email).sql()


def test_a_held_write_goes_with_the_next_statement_in_its_order(postgres):
    with tempfile.NamedTemporaryFile("r", suffix=".trace") as trace:
        with traced(postgres, trace.name), transaction(writes=True):
            assert run_later(*new_user("held@example.com")) is None
            found = User.select().where(User.email == "held@example.com").count()
        trips = round_trips(trace.read().splitlines())
    assert (trips[0], trips[-1], found) == ("BEGIN+INSERT+SELECT", "COMMIT", 1)


def test_held_writes_are_dropped_with_their_rolled_back_transaction(postgres):
    with tempfile.NamedTemporaryFile("r", suffix=".trace") as trace:
        with traced(postgres, trace.name), pytest.raises(RuntimeError), \
                transaction(writes=True):
            run_later(*new_user("dropped@example.com"))
            raise RuntimeError("failed before anything was sent")
        assert round_trips(trace.read().splitlines()) == []  # neither BEGIN nor the insert
    assert status() == TransactionStatus.IDLE
    assert not User.select().where(User.email == "dropped@example.com").exists()


def test_a_held_write_refused_at_commit_undoes_the_transaction(postgres):
    with pytest.raises(IntegrityError), transaction(writes=True):
        User.create(email="kept-only-if-all@example.com")
        run_later(*new_user(User.owner().email))  # a duplicate: refused with the COMMIT
    assert status() == TransactionStatus.IDLE
    assert not User.select().where(User.email == "kept-only-if-all@example.com").exists()


def test_a_write_held_outside_a_transaction_runs_at_once(postgres):
    assert run_later(*new_user("now@example.com")) is not None
    assert User.select().where(User.email == "now@example.com").exists()


def test_a_transaction_that_runs_nothing_sends_nothing(postgres, control):
    with tempfile.NamedTemporaryFile("r", suffix=".trace") as trace:
        with traced(postgres, trace.name), transaction(writes=True):
            pass
        assert round_trips(trace.read().splitlines()) == []
    assert status() == TransactionStatus.IDLE


def test_an_error_in_the_first_statement_undoes_its_transaction(postgres):
    with pytest.raises(RuntimeError), transaction(writes=True):
        User.create(email="first@example.com")
        raise RuntimeError("failed after its first write")
    assert not User.select().where(User.email == "first@example.com").exists()
    with pytest.raises(Exception, match="duplicate|unique"), transaction(writes=True):
        User.create(email=User.owner().email)  # fails in the round trip of its BEGIN
    assert status() == TransactionStatus.IDLE
    assert User.select().count() >= 1


def test_each_statement_is_planned_once_unless_the_operator_chose(postgres):
    connection = db.connection()
    assert connection.execute("SHOW plan_cache_mode").fetchone()[0] == "force_generic_plan"
    connection.execute("SET plan_cache_mode = force_custom_plan")
    try:
        set_up(connection)
        assert connection.execute("SHOW plan_cache_mode").fetchone()[0] == \
            "force_custom_plan"
    finally:
        connection.execute("RESET plan_cache_mode")
        set_up(connection)
