"""Input and output schemas of messages between users (Trudesk's chat)."""

from __future__ import annotations

from marshmallow import fields

from schemas.base import Email, Id, LongText, Out, Params, StrId, datetime_out
from schemas.members import user_ref
from schemas.paging import PagedIn


class PostMessageIn(Params):
    """``email_user_from``: the user the admin key acts for (a user token acts as itself)."""

    email_user_to = Email(required=True)
    text = LongText(required=True)
    email_user_from = Email()


class GetConversationsIn(PagedIn):
    email_user_from = Email()


class GetMessagesIn(GetConversationsIn):
    """The conversation by its id or by the other participant's email."""

    id_conversation = Id()
    email_user = Email()


class MessageOut(Out):
    id = StrId()
    id_conversation = StrId(attribute="conversation_id")
    text = fields.String()
    date_added = fields.Function(lambda message: datetime_out(message.date_added))
    user_from = fields.Function(lambda message: user_ref(message.author))


class ConversationOut(Out):
    """``partner``, ``last_message`` and ``unread`` are set by the handler."""

    OPTIONAL = ("last_message",)

    id = StrId()
    partner = fields.Function(lambda conv: user_ref(conv.partner))
    last_message = fields.Function(
        lambda conv: MessageOut().dump(conv.last_message) if conv.last_message else None)
    unread = fields.Integer()
    date_updated = fields.Function(lambda conv: datetime_out(conv.date_updated))
