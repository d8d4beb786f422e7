"""Personal access tokens through the API (Tasq's "Generate token"), a Taskgate extension:
``create_token`` makes a token for the calling token's own user, with a name and at most the
scopes the calling token has; the secret is in this answer only (the server keeps a digest)."""

from __future__ import annotations

import datetime as dt

from actions.caller import caller, token_user
from actions.registry import action
from models.tokens import Token
from schemas.base import datetime_out
from schemas.envelope import InvalidValue
from schemas.personal_tokens import CreateTokenIn


@action(CreateTokenIn, writes=True)
def create_token(params):
    """Create a personal access token for the token's user (its secret is shown once)."""
    user, held = token_user(), caller().scopes
    scopes = params.get("scopes") or list(held)
    beyond = [scope for scope in scopes if scope not in held]
    if beyond:
        raise InvalidValue("Invalid scopes: more than the calling token has",
                           details=",".join(beyond))
    token, secret = Token.issue("access", user, scopes, name=params["name"],
                                lifetime=dt.timedelta(days=params["days"]))
    return {"id": str(token.id), "name": token.name, "token": secret,
            "scopes": token.scope_list, "date_expires": datetime_out(token.expires_at)}
