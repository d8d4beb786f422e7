"""Messages between two users (Trudesk's chat): one conversation per pair of users."""

from __future__ import annotations

from peewee import DateTimeField, ForeignKeyField, IntegerField, TextField

from models.base import BaseModel, now
from models.ids import IdField
from models.members import User


class Conversation(BaseModel):
    """The pair is stored in id order (``low`` < ``high``) so that it is unique either way."""

    id = IdField()
    low = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    high = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    low_read = IntegerField(default=0)  # the last message id each side has read
    high_read = IntegerField(default=0)
    date_added = DateTimeField(default=now)
    date_updated = DateTimeField(default=now, index=True)

    class Meta:
        table_name = "conversations"
        indexes = ((("low", "high"), True),
                   (("date_updated", "id"), False))  # get_conversations' keyset order

    def partner_id(self, user_id: int) -> int:
        return self.high_id if user_id == self.low_id else self.low_id

    def read_column(self, user_id: int) -> str:
        return "low_read" if user_id == self.low_id else "high_read"


class Message(BaseModel):
    id = IdField()
    conversation = ForeignKeyField(Conversation, backref="messages", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    text = TextField()
    date_added = DateTimeField(default=now)

    class Meta:
        table_name = "messages"
