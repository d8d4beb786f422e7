"""Notices: account-wide banners (Trudesk's), a Taskgate extension. At most one is active at
a time: activating one deactivates the others in the same transaction, and a partial unique
index refuses a second active row whatever requests race. Every user token may read them."""

from __future__ import annotations

from actions.registry import action
from models.base import get_or_fail, now
from models.notices import Notice
from schemas.base import Params
from schemas.envelope import ApiError
from schemas.notices import GetNoticesIn, NoticeIdIn, NoticeOut, PostNoticeIn, UpdateNoticeIn
from schemas.paging import listing

notice_out = NoticeOut()
notices_out = NoticeOut(many=True)
FIELDS = ("name", "message", "color", "font_color", "alert_window")


class NoticeInvalid(ApiError):
    status_code, message = 10, "Notice is invalid"


class AlreadyActive(ApiError):
    status_code, message = 12, "Notice is already active"


@action(GetNoticesIn)
def get_notices(params):
    """Get the notices, newest first (active=1: only the active one)."""
    query = Notice.select()
    if params["active"]:
        query = query.where(Notice.active == True)  # noqa: E712 - a peewee expression
    return listing(query, params, (Notice.id.desc(),), notices_out.dump, first_page=True)


@action(PostNoticeIn, writes=True)
def post_notice(params):
    """Create a notice (inactive until activate_notice)."""
    return notice_out.dump(Notice.create(**{k: params[k] for k in FIELDS if k in params}))


@action(UpdateNoticeIn, writes=True)
def update_notice(params):
    """Change a notice's name, message, colors or alert window."""
    notice = notice_or_fail(params["id"])
    for key in (key for key in FIELDS if key in params):
        setattr(notice, key, params[key])
    notice.save()
    return notice_out.dump(notice)


@action(NoticeIdIn, writes=True)
def delete_notice(params):
    """Delete a notice (deleting the active one leaves none active)."""
    notice_or_fail(params["id"]).delete_instance()


@action(NoticeIdIn, writes=True)
def activate_notice(params):
    """Make a notice the active one; the one active before is cleared."""
    Notice.lock_all()
    notice = notice_or_fail(params["id"])
    if notice.active:
        raise AlreadyActive(details=str(notice.id))
    clear_active()
    notice.active, notice.date_active = True, now()
    notice.save()
    return notice_out.dump(notice)


@action(Params, writes=True)
def clear_notice(params):
    """Clear the active notice (none active is not an error)."""
    clear_active()


def clear_active() -> None:
    Notice.update(active=False).where(Notice.active == True).execute()  # noqa: E712


def notice_or_fail(id_notice: int) -> Notice:
    return get_or_fail(Notice, id_notice, NoticeInvalid)
