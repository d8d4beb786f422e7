"""Teams, users (members of the account), contact folders and contacts."""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    TextField,
)

from models.base import BaseModel, now
from models.compiled import Statement, compiled, loaded
from models.ids import IdField

ROLES = ("owner", "account admin", "team admin", "department admin", "user", "guest", "reader")
INVITABLE_ROLES = ROLES[1:]  # who gives which is actions.rights' business; nobody "owner"
ACCOUNT_ADMINS = ("owner", "account admin")  # see every project and manage the account
CONTACT_PRESETS = ("USERS", "DEFAULT", "TEAM_ONLY", "HIDDEN")
MAIN_TEAM = "Main team"


class Team(BaseModel):
    """A user group: a company team, or an external client team (``client``)."""

    id = IdField()
    title = CharField(max_length=500, unique=True)
    client = BooleanField(default=False)
    is_main = BooleanField(default=False)

    class Meta:
        table_name = "teams"

    @classmethod
    def main(cls) -> Team:
        team = cls.get_or_none(cls.is_main == True)  # noqa: E712 - peewee expression
        return team or cls.create(title=MAIN_TEAM, is_main=True)

    @classmethod
    def by_title(cls, title: str, client: bool = False) -> Team:
        """The team with this title, created when there is none."""
        team = cls.get_or_none(cls.title == title)
        return team or cls.create(title=title, client=client)


class User(BaseModel):
    """A member of the account (table ``members``: ``user`` is reserved in PostgreSQL)."""

    id = IdField()
    email = CharField(max_length=254, unique=True)
    first_name = CharField(max_length=500, default="")
    last_name = CharField(max_length=500, default="")
    title = CharField(max_length=500, default="")
    rate = DecimalField(max_digits=14, decimal_places=2, default=0)
    avatar = CharField(max_length=1000, default="")
    team = ForeignKeyField(Team, null=True, backref="members", on_delete="SET NULL")
    department = CharField(max_length=500, default="")
    role = CharField(max_length=32, default="user")
    phone = CharField(max_length=100, default="")
    phone2 = CharField(max_length=100, default="")
    phone3 = CharField(max_length=100, default="")
    phone4 = CharField(max_length=100, default="")
    address = TextField(default="")
    address2 = TextField(default="")
    is_active = BooleanField(default=True)
    accepting_tasks = BooleanField(default=True)  # Tasq's "accepting tasqs": shown, not enforced
    date_added = DateTimeField(default=now)

    class Meta:
        table_name = "members"

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @classmethod
    def owner(cls) -> User:
        """The account's owner, by a statement rendered once per process and database."""
        return cls.owner_of(cls.owner_read().rows())

    @classmethod
    def owner_read(cls) -> Statement:
        """The owner's row, to send with other reads (``models.compiled.together``)."""
        return compiled("owner", cls.first_owner)

    @classmethod
    def first_owner(cls):
        """The query of the owner's row (the first, should there be more)."""
        return cls.select().where(cls.role == "owner").order_by(cls.id).limit(1)

    @classmethod
    def owner_of(cls, rows: list[tuple]) -> User:
        if not rows:
            raise cls.DoesNotExist("the account has no owner")
        return loaded(cls, rows[0])

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return cls.get_or_none(cls.email == email.lower())


class ContactFolder(BaseModel):
    """A user-made folder of contacts (the four presets are not stored)."""

    id = IdField()
    title = CharField(max_length=500, unique=True)

    class Meta:
        table_name = "contact_folders"


class Contact(BaseModel):
    """An outside person known to the account; never invited, cannot log in."""

    id = IdField()
    first_name = CharField(max_length=500, default="")
    last_name = CharField(max_length=500, default="")
    title = CharField(max_length=500, default="")
    email = CharField(max_length=254, default="")
    folder = ForeignKeyField(ContactFolder, null=True, backref="contacts", on_delete="SET NULL")
    preset = CharField(max_length=16, default="DEFAULT")
    phone = CharField(max_length=100, default="")
    phone2 = CharField(max_length=100, default="")
    phone3 = CharField(max_length=100, default="")
    phone4 = CharField(max_length=100, default="")
    address = TextField(default="")
    address2 = TextField(default="")
    date_added = DateTimeField(default=now)

    class Meta:
        table_name = "contacts"

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def group(self) -> str:
        return self.folder.title if self.folder_id else self.preset
