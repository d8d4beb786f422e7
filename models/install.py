"""First-run set-up of an install: the schema (migrations, ``models.migrations``), the main
team, the owner and the admin key."""

from __future__ import annotations

from models import all_models
from models.base import db
from models.keys import ApiKey, unseal
from models.members import Team, User
from models.migrations import one_host_at_a_time, upgrade
from models.migrations.sync import add_missing_columns
from models.renumber import upgrade_ids

__all__ = ["ADMIN_KEY_NAME", "add_missing_columns", "ensure_install", "secret_problem"]

ADMIN_KEY_NAME = "admin"
WRONG_SECRET = ("the secret key (TASKGATE_SECRET_KEY or instance/secret_key) cannot decrypt the "
                "stored API keys: it is not the one this database was set up with; "
                "restore that secret (a new one would make every key unusable)")


def secret_problem(master: str) -> str | None:
    """Why ``master`` cannot serve this database (its keys do not decrypt), or None."""
    if ApiKey._meta.table_name not in db.get_tables():
        return None  # a new install: the keys will be sealed with this secret
    sealed = ApiKey.select(ApiKey.sealed_secret).order_by(ApiKey.id).limit(1).scalar()
    if sealed is None:
        return None
    try:
        unseal(sealed, master)
    except RuntimeError:
        return WRONG_SECRET
    return None


def ensure_install(master: str, owner_email: str, api_key: str | None = None) -> str | None:
    """Create what is missing; return the admin key's plaintext when it was just created."""
    with one_host_at_a_time():
        return install_rows(master, owner_email, api_key)


def install_rows(master: str, owner_email: str, api_key: str | None) -> str | None:
    upgrade()
    upgrade_ids(all_models(), User)
    with db.atomic():
        team = Team.main()
        if not User.select().where(User.role == "owner").exists():
            first, _, last = owner_email.split("@")[0].partition(".")
            User.create(email=owner_email.lower(), first_name=first.capitalize(),
                        last_name=last.capitalize(), role="owner", team=team)
        if ApiKey.get_or_none(ApiKey.name == ADMIN_KEY_NAME) is None:
            return ApiKey.issue(ADMIN_KEY_NAME, master, secret=api_key)[1]
    return None
