"""Helpers for the peers' tests: user tokens, and calls on ``/api/oauth2`` with the header
each peer's clients send."""

from __future__ import annotations

from typing import Any

from models.tokens import SCOPES, Token


def token_for(user, scopes=SCOPES) -> str:
    return Token.issue("access", user, list(scopes))[1]


HEADERS = {
    "bearer": lambda token: {"Authorization": f"Bearer {token}"},
    "bare": lambda token: {"Authorization": token},  # Tasq, UserTasks
    "accesstoken": lambda token: {"accesstoken": token},  # Trudesk
}


class UserCalls:
    """One user's token, calling actions as a JSON POST to ``/api/oauth2``."""

    def __init__(self, client, token: str, style: str = "bearer") -> None:
        self.client, self.token, self.style = client, token, style

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        response = self.client.post(f"/api/oauth2?action={action}", json=params or None,
                                    headers=HEADERS[self.style](self.token))
        return response.get_json()


def as_token(client, user, style: str = "bearer", scopes=SCOPES) -> UserCalls:
    return UserCalls(client, token_for(user, scopes), style)
