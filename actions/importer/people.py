"""Teams, users (the source's owner becomes the owner here), contact folders and contacts."""

from __future__ import annotations

from typing import Any

from actions.importer.ledger import Ledger
from actions.importer.rows import Spec, need
from actions.importer.shapes import SENTINEL_IDS, amount, day, moment, role, to_id
from actions.rights import imported_role
from models import all_models
from models.members import CONTACT_PRESETS, Contact, ContactFolder, Team, User
from models.schedule import DAY_KINDS, ScheduleDay


def source_owner(account: dict[str, Any]) -> dict[str, Any] | None:
    return next((u for u in account["users"] if role(u.get("role")) == "owner"), None)


def main_team_title(account: dict[str, Any]) -> str | None:
    owner = source_owner(account)
    return owner.get("group") if owner else None


def team_natural(obj: dict[str, Any], ledger: Ledger, account: dict[str, Any]) -> Team | None:
    if obj.get("title") == main_team_title(account):
        return Team.main()
    return Team.get_or_none(Team.title == obj.get("title"))


def team_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    return {"title": str(obj.get("title") or f"Team {obj.get('id')}"),
            "client": str(obj.get("client", 0)) in ("1", "true", "True")}


def plan_owner(account: dict[str, Any], ledger: Ledger) -> None:
    """The owner here stands for the source's owner. It takes the source owner's id when it
    can: that id is free and nothing refers to the owner here yet (a fresh install)."""
    owner = source_owner(account)
    wanted = to_id(owner.get("id")) if owner else None
    if wanted is None or ledger.local("user", wanted) is not None:
        return
    here = User.owner().id
    if here == wanted or owner_can_move(wanted):
        ledger.ids["user"][wanted] = wanted
        ledger.freed["user"].add(here)
    elif ledger.remap:
        ledger.ids["user"][wanted] = here
        ledger.remapped["user"][str(wanted)] = here
    else:
        ledger.refusals.append(f"user {wanted}: the source's owner cannot take its id here "
                               f"(the owner here, user {here}, already has data, or the id "
                               "is taken or means nobody or anyone)")


def renumber_owner(account: dict[str, Any], ledger: Ledger) -> None:
    """Give the owner here the source owner's id (the plan said it may); call it first."""
    owner = source_owner(account)
    if owner is None:
        return
    wanted, here = to_id(owner.get("id")), User.owner().id
    if wanted is not None and ledger.local("user", wanted) == wanted and wanted != here:
        User.update(id=wanted).where(User.id == here).execute()


def owner_can_move(source_id: int) -> bool:
    here = User.owner()
    if source_id in SENTINEL_IDS or User.get_or_none(User.id == source_id):
        return False
    return not any(m.select().where(f == here.id).exists() for m in all_models()
                   for f in m._meta.refs if f.rel_model is User)


def user_taken(obj: dict[str, Any], ledger: Ledger) -> str | None:
    same = User.by_email(str(obj.get("email", "")))
    if same is not None and same.id != to_id(obj.get("id")):
        return f"user {obj.get('id')}: {same.email} is user {same.id} here"
    return None


def user_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    title = obj.get("group")
    team = Team.get_or_none(Team.title == title) if title else None
    if title == "Main team" or (team is None and title):
        team = Team.main()
    values = {name: str(obj.get(name) or "") for name in (
        "first_name", "last_name", "title", "avatar", "department", "phone", "phone2",
        "phone3", "phone4", "address", "address2")}
    values.update(email=str(obj.get("email", "")).lower(), rate=amount(obj.get("rate")) or 0,
                  team=team, role=role_here(obj, ledger))
    added = moment(obj.get("date_added"))
    return {**values, "date_added": added} if added else values


def role_here(obj: dict[str, Any], ledger: Ledger) -> str:
    """The source's role as the rights table maps an imported one (``imported_role``: what
    the admin key may give), except that the user who stands for the source's owner stays
    the owner; another "Owner" becomes an account admin, and the run says so."""
    found = role(obj.get("role"))
    if ledger.local("user", to_id(obj.get("id"))) == User.owner().id:
        return "owner"
    here = imported_role(found)
    if found == "owner":
        ledger.notes.append(f"user {obj.get('id')} ({obj.get('email')}) is an owner on the "
                            f"source: an {here} here (an install has one owner)")
    return here


def folder_natural(obj: dict[str, Any], ledger: Ledger) -> ContactFolder | None:
    return ContactFolder.get_or_none(ContactFolder.title == obj.get("title"))


def contact_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    group = str(obj.get("group") or "DEFAULT")
    folder = None if group in CONTACT_PRESETS else ContactFolder.get_or_none(
        ContactFolder.title == group)
    values = {name: str(obj.get(name) or "") for name in (
        "first_name", "last_name", "title", "email", "phone", "phone2", "phone3", "phone4",
        "address", "address2")}
    if not values["first_name"] and not values["last_name"] and obj.get("name"):
        values["first_name"], _, values["last_name"] = str(obj["name"]).partition(" ")
    added = moment(obj.get("date_added"))
    values.update(folder=folder, preset=group if group in CONTACT_PRESETS else "DEFAULT")
    return {**values, "date_added": added} if added else values


def schedule_links(obj: dict[str, Any], local_id: int, ledger: Ledger) -> None:
    """A user's days off and extra workdays, exactly as the source has them."""
    user = need(ledger, "user", to_id(obj.get("id")))
    days = obj.get("schedule") if isinstance(obj.get("schedule"), dict) else {}
    ScheduleDay.delete().where(ScheduleDay.user == user).execute()
    rows = [{"user": user, "day": day(date), "kind": kind} for date, kind in days.items()
            if day(date) and kind in DAY_KINDS]
    if rows:
        ScheduleDay.insert_many(rows).execute()


def folders(account: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [g for g in account[name] if g.get("type", "folder") == "folder"]


def specs(account: dict[str, Any]) -> list[Spec]:
    return [
        Spec("team", Team, lambda a: a["teams"], team_fields,
             natural=lambda o, ledger: team_natural(o, ledger, account)),
        Spec("user", User, lambda a: a["users"], user_fields, taken=user_taken),
        Spec("contact_folder", ContactFolder, lambda a: folders(a, "contact_groups"),
             lambda o, ledger, new: {"title": str(o.get("title"))}, natural=folder_natural),
        Spec("contact", Contact, lambda a: a["contacts"], contact_fields),
        Spec("schedule", None, lambda a: a["schedules"], links=schedule_links, plans_ids=False),
    ]
