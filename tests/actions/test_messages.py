"""Messages between users (Trudesk's chat): only the two participants read a conversation,
unread counts, no message to oneself or to a disabled user, the admin key reads none."""

from __future__ import annotations

import pytest
from conftest import DATE_ADDED, error, ok_data, ref
from peer_kit import as_token

from models.members import User
from models.messages import Conversation, Message

NOT_FOUND = error(10, "Conversation not found")


@pytest.fixture
def anna(app):
    return User.create(email="anna.lee@ws.com", first_name="Anna", last_name="Lee")


def test_a_message_exchange(client, frank, kate):
    as_frank, as_kate = as_token(client, frank), as_token(client, kate)
    sent = ok_data(as_frank.call("post_message", email_user_to=kate.email, text="Hi Kate"))
    assert DATE_ADDED.match(sent.pop("date_added"))
    assert sent == {"id": sent["id"], "id_conversation": sent["id_conversation"],
                    "text": "Hi Kate", "user_from": ref(frank)}
    body = as_kate.call("get_conversations")
    assert body["unread_total"] == 1
    [conversation] = body["data"]
    assert conversation["partner"] == ref(frank) and conversation["unread"] == 1
    assert conversation["last_message"]["text"] == "Hi Kate"
    read = ok_data(as_kate.call("get_messages", email_user=frank.email))
    assert [m["text"] for m in read] == ["Hi Kate"]
    assert as_kate.call("get_conversations")["unread_total"] == 0
    ok_data(as_kate.call("post_message", email_user_to=frank.email, text="Hello"))
    assert as_frank.call("get_conversations")["unread_total"] == 1
    messages = ok_data(as_frank.call("get_messages", id_conversation=sent["id_conversation"]))
    assert [(m["text"], m["user_from"]["email"]) for m in messages] == [
        ("Hi Kate", frank.email), ("Hello", kate.email)]
    assert Conversation.select().count() == 1


def test_pages_newest_first_oldest_first_within(client, frank, kate):
    as_frank = as_token(client, frank)
    for n in range(5):
        ok_data(as_frank.call("post_message", email_user_to=kate.email, text=f"m{n}"))
    page = ok_data(as_frank.call("get_messages", email_user=kate.email, page=1, limit=2))
    assert [m["text"] for m in page] == ["m3", "m4"]
    page = ok_data(as_frank.call("get_messages", email_user=kate.email, page=3, limit=2))
    assert [m["text"] for m in page] == ["m0"]


def test_another_pairs_conversation_reads_as_none(client, frank, kate, anna):
    sent = ok_data(as_token(client, frank).call("post_message", email_user_to=kate.email,
                                                text="private"))
    as_anna = as_token(client, anna)
    assert as_anna.call("get_messages", id_conversation=sent["id_conversation"]) == NOT_FOUND
    assert as_anna.call("get_messages", email_user=kate.email) == NOT_FOUND
    assert as_anna.call("get_messages", email_user="nobody@ws.com") == NOT_FOUND
    assert as_anna.call("get_messages", id_conversation=999) == NOT_FOUND
    assert ok_data(as_anna.call("get_conversations")) == []
    assert as_anna.call("get_messages") == error(10, "At least one of fields required",
                                                 "id_conversation, email_user")


def test_the_admin_key_reads_and_writes_no_message(api, frank, kate):
    ok_data(as_token(api.client, frank).call("post_message", email_user_to=kate.email,
                                             text="x"))
    refused = error(2, "This action needs a user access token")
    assert api.call("get_conversations") == refused
    assert api.call("get_messages", id_conversation=1) == refused
    assert api.call("post_message", email_user_to=kate.email, text="x") == refused


def test_the_admin_key_acting_for_a_user_reads_that_users_conversations(api, client, frank,
                                                                       kate, anna):
    ok_data(as_token(client, frank).call("post_message", email_user_to=kate.email, text="x"))
    assert api.call("get_conversations", email_user_from=kate.email)["unread_total"] == 1
    read = ok_data(api.call("get_messages", email_user=frank.email, email_user_from=kate.email))
    assert [m["text"] for m in read] == ["x"]
    assert api.call("get_messages", email_user=frank.email,
                    email_user_from=anna.email) == NOT_FOUND
    sent = ok_data(api.call("post_message", email_user_to=frank.email, text="y",
                            email_user_from=kate.email))
    assert sent["user_from"] == ref(kate)
    # A user token acts as itself whatever email_user_from says.
    assert ok_data(as_token(client, anna).call("get_conversations",
                                               email_user_from=kate.email)) == []


def test_no_message_to_oneself_a_disabled_user_or_a_stranger(api, client, frank, kate):
    as_frank = as_token(client, frank)
    assert as_frank.call("post_message", email_user_to=frank.email, text="me") == error(
        11, "Invalid email_user_to: you cannot message yourself", "email_user_to")
    ok_data(api.call("disable_user", email=kate.email))
    assert as_frank.call("post_message", email_user_to=kate.email, text="x") == error(
        11, "Invalid email", kate.email)
    assert as_frank.call("post_message", email_user_to="who@ws.com", text="x") == error(
        11, "Invalid email", "who@ws.com")
    assert as_frank.call("post_message", email_user_to=kate.email)["status_code"] == 10
    assert Message.select().count() == 0 and Conversation.select().count() == 0
