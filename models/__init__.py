"""Every model, in an order that creates referenced tables first."""

from peewee import sort_models

from models import messages, notices, settings, task_types, usertasks  # noqa: F401 - the peers' tables
from models.base import BaseModel, db
from models.comments import Comment, CommentVisibility
from models.costs import Cost  # noqa: F401 - registers the table
from models.counters import Counter  # noqa: F401 - registers the table
from models.custom_fields import CustomField  # noqa: F401 - registers the definitions and values
from models.events import Event
from models.files import File
from models.idempotency import StoredResponse  # noqa: F401 - registers the table
from models.imports import ImportedRow  # noqa: F401 - registers the table
from models.inbound_hooks import InboundHook  # noqa: F401 - registers the hook tables
from models.keys import ApiKey
from models.members import Contact, ContactFolder, Team, User
from models.projects import Project, ProjectFolder, ProjectMember
from models.schedule import ScheduleDay  # noqa: F401 - registers the table
from models.tags import ProjectTag, Tag, TagGroup, TaskTag
from models.tasks import Task, TaskRelation, TaskSubscriber, TaskVisibility
from models.timers import Timer  # noqa: F401 - registers the table
from models.tokens import Token  # noqa: F401 - registers the OAuth client/token/password tables
from models.webhooks import Webhook  # noqa: F401 - registers the webhook tables


def all_models() -> list[type[BaseModel]]:
    """Every concrete model of the imported resource modules, referenced tables first."""
    found, stack = [], list(BaseModel.__subclasses__())
    while stack:
        model = stack.pop()
        found.append(model)
        stack.extend(model.__subclasses__())
    return sort_models(found)


def create_tables() -> None:
    db.create_tables(all_models(), safe=True)


__all__ = [
    "ApiKey", "Comment", "CommentVisibility", "Contact", "ContactFolder", "Event", "File",
    "Project", "ProjectFolder", "ProjectMember", "ProjectTag", "Tag", "TagGroup", "Task",
    "TaskRelation", "TaskSubscriber", "TaskTag", "TaskVisibility", "Team", "User",
    "all_models", "create_tables", "db",
]
