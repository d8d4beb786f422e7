"""Personal access tokens through the API (Tasq's "Generate token"), a Taskgate extension:
``create_token`` makes a token for the calling token's own user, with a name, at most the
scopes the calling token has, expiring after ``days`` or with the calling token, whichever
comes first; the secret is in this answer only (the server keeps a digest)."""

from __future__ import annotations

import datetime as dt

from actions.caller import caller
from actions.registry import action
from models.tokens import Token
from schemas.base import datetime_out
from schemas.envelope import InvalidValue, UserOnly
from schemas.personal_tokens import CreateTokenIn


@action(CreateTokenIn, writes=True)
def create_token(params):
    """Create a personal access token for the token's user (its secret is shown once)."""
    parent = caller().token
    if parent is None:  # the admin key, or a hook acting for its definer
        raise UserOnly()
    scopes = params.get("scopes") or parent.scope_list
    try:
        token, secret = Token.issue("access", parent.user, scopes, parent=parent,
                                    name=params["name"], lifetime=dt.timedelta(days=params["days"]))
    except ValueError as err:
        raise InvalidValue("Invalid scopes: more than the calling token has",
                           details=str(err)) from None
    return {"id": str(token.id), "name": token.name, "token": secret,
            "scopes": token.scope_list, "date_expires": datetime_out(token.expires_at)}
