"""One action an inbound hook's rule chose: tag names that are no tag yet are created (the
rule's ``create_tags``) or noted, then the action runs through the registry."""

from __future__ import annotations

from typing import Any

from actions.registry import dispatch
from models.inbound_hooks import TAG_ACTIONS, Step, tag_names, unknown_tags
from schemas.envelope import ApiError

# Closing a closed task or reopening an open one (code 12) changes nothing, and is no error
# for a sender that tells again what it told before.
SETTLED_BY = {"complete_task": 12, "reopen_task": 12}


def run(step: Step, notes: list[str]) -> Any:
    """One chosen action; tag names that are no tag yet are created (create_tags) or noted."""
    missing = unknown_tags(tag_names(step.params.get("tags", "")))
    if missing and step.create_tags:
        dispatch(TAG_ACTIONS[0], {"type": "label", "access": "public",
                                  "title": step.create_tags})
        dispatch(TAG_ACTIONS[1], {"group": step.create_tags, "title": ",".join(missing)})
    elif missing:
        notes.append(f"tags left out: {', '.join(missing)} (no task tag has this name; "
                     "a rule's create_tags creates it)")
    try:
        return dispatch(step.target, step.params)
    except ApiError as err:
        if step.target in SETTLED_BY and err.status_code == SETTLED_BY[step.target]:
            return {"unchanged": err.message}  # the task is as the source says already
        raise
