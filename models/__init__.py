"""Every model, in an order that creates referenced tables first."""

from peewee import sort_models

from models.base import BaseModel, db
from models.events import Event
from models.keys import ApiKey
from models.members import Contact, ContactFolder, Team, User


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


__all__ = ["ApiKey", "Contact", "ContactFolder", "Event", "Team", "User", "all_models",
           "create_tables", "db"]
