"""What the API does: one module per resource, each action a function registered in
:mod:`actions.registry` by its decorator. Importing this package registers every action."""

from actions import (  # noqa: F401
    comments,
    contacts,
    costs,
    custom_fields,
    events,
    files,
    inbound_hooks,
    members,
    messages,
    notices,
    personal_tokens,
    projects,
    schedule,
    search,
    settings,
    subscriptions,
    tags,
    task_types,
    tasks,
    tickets,
    timers,
    user,
    usertasks,
    webhooks,
)
