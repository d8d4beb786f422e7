"""Messages between two users (Trudesk's chat), a Taskgate extension.

A conversation belongs to its two participants: nobody else reads it. The admin key reads and
writes none (code 2) unless it acts for a user named by ``email_user_from``. A conversation
another pair holds answers as one that does not exist. Reading a conversation marks it read
for the reader; ``unread`` counts the partner's messages after the last one read."""

from __future__ import annotations

from peewee import fn

from actions.caller import caller, token_user
from actions.lookups import user_or_fail
from actions.registry import action
from models.base import now
from models.members import User
from models.messages import Conversation, Message
from schemas.envelope import ApiError, InvalidValue
from schemas.messages import (
    ConversationOut,
    GetConversationsIn,
    GetMessagesIn,
    MessageOut,
    PostMessageIn,
)
from schemas.paging import Page, is_paged, listing, one_page, page_reply, paged

message_out = MessageOut()
messages_out = MessageOut(many=True)
conversations_out = ConversationOut(many=True)


class ConversationInvalid(ApiError):
    status_code, message = 10, "Conversation not found"


class OneOfRequired(ApiError):
    status_code, message = 10, "At least one of fields required"


@action(PostMessageIn, writes=True)
def post_message(params):
    """Send a message to another active user (starts the conversation on the first one)."""
    me = participant(params)
    partner = user_or_fail(params["email_user_to"])  # a disabled user: code 11
    if partner.id == me.id:
        raise InvalidValue("Invalid email_user_to: you cannot message yourself",
                           details="email_user_to")
    low, high = sorted((me.id, partner.id))
    Conversation.insert(low=low, high=high).on_conflict_ignore().execute()  # a race: one row
    conversation = Conversation.get(Conversation.low == low, Conversation.high == high)
    message = Message.create(conversation=conversation, author=me, text=params["text"])
    mark_read(conversation, me, message.id)
    Conversation.update(date_updated=now()).where(Conversation.id == conversation.id).execute()
    return message_out.dump(message)


@action(GetConversationsIn)
def get_conversations(params):
    """Get the token user's conversations, latest first, with unread counts."""
    me = participant(params)
    query = Conversation.select().where((Conversation.low == me.id) | (Conversation.high == me.id))
    unread = unread_counts(me)

    def dump(conversations: list[Conversation]) -> list[dict]:
        describe(conversations, me, unread)
        return conversations_out.dump(conversations)
    return listing(query, params, (Conversation.date_updated.desc(), Conversation.id.desc()),
                   dump, first_page=True, unread_total=sum(unread.values()))


@action(GetMessagesIn, writes=True)  # reading marks the conversation read
def get_messages(params):
    """Get a page of a conversation's messages, newest page first, and mark it read."""
    me = participant(params)
    conversation = conversation_of(me, params)
    query = Message.select(Message, User).join(User).where(Message.conversation == conversation)
    page = messages_page(query, params)
    if page.rows:
        mark_read(conversation, me, max(m.id for m in page.rows))
    data = messages_out.dump(reversed(page.rows))
    return page_reply(data, page) if is_paged(params) else data


def messages_page(query, params: dict) -> Page:
    """The newest messages, or the page asked for (newest page first)."""
    order = (Message.id.desc(),)
    if is_paged(params):
        return one_page(query, params, order)
    return Page(list(paged(query, params, order)), 0, None)


def participant(params: dict) -> User:
    """The token's user; for the admin key, the active user it acts for (``email_user_from``)."""
    if caller().user is None and "email_user_from" in params:
        return user_or_fail(params["email_user_from"])
    return token_user()


def conversation_of(me: User, params: dict) -> Conversation:
    """The caller's conversation by id or partner; anyone else's is "not found"."""
    if "id_conversation" in params:
        found = Conversation.get_or_none(Conversation.id == params["id_conversation"])
    elif "email_user" in params:
        partner = User.by_email(params["email_user"])
        low, high = sorted((me.id, partner.id)) if partner else (0, 0)
        found = Conversation.get_or_none(Conversation.low == low, Conversation.high == high)
    else:
        raise OneOfRequired(details="id_conversation, email_user")
    if found is None or me.id not in (found.low_id, found.high_id):
        raise ConversationInvalid()
    return found


def mark_read(conversation: Conversation, user: User, message_id: int) -> None:
    column = getattr(Conversation, conversation.read_column(user.id))
    (Conversation.update({column: message_id})
     .where(Conversation.id == conversation.id, column < message_id).execute())


def describe(conversations: list[Conversation], me: User, unread: dict[int, int]) -> None:
    """Set each conversation's partner, last message and unread count (three queries)."""
    if not conversations:
        return
    partners = {u.id: u for u in User.select().where(
        User.id.in_([conv.partner_id(me.id) for conv in conversations]))}
    last_ids = (Message.select(fn.MAX(Message.id))
                .where(Message.conversation.in_([conv.id for conv in conversations]))
                .group_by(Message.conversation))
    last = {m.conversation_id: m for m in Message.select(Message, User).join(User)
            .where(Message.id.in_(last_ids))}
    for conv in conversations:
        conv.partner = partners[conv.partner_id(me.id)]
        conv.last_message = last.get(conv.id)
        conv.unread = unread.get(conv.id, 0)


def unread_counts(me: User) -> dict[int, int]:
    """Per conversation of ``me``: the partner's messages after the last one ``me`` read."""
    after_read = (((Conversation.low == me.id) & (Message.id > Conversation.low_read))
                  | ((Conversation.high == me.id) & (Message.id > Conversation.high_read)))
    rows = (Message.select(Message.conversation, fn.COUNT(Message.id)).join(Conversation)
            .where(after_read, Message.author != me.id)
            .group_by(Message.conversation).tuples())
    return dict(rows)
