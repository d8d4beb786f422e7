"""The token user's own profile (the official client's ``user`` resource; the timers of
``user.timer()`` and friends live in ``actions.timers``)."""

from __future__ import annotations

from actions.caller import token_user
from actions.registry import action
from schemas.base import Params
from schemas.members import UserOut

me_out = UserOut(exclude=("rate", "date_added"))


@action(Params)
def me(params):
    """Get the profile of the access token's user (user tokens only)."""
    return me_out.dump(token_user())
