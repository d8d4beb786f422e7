"""The OAuth scope each action needs from a user token, in one table.

An action of a resource needs ``<resource>_read``, or ``<resource>_write`` when it writes
(``Action.writes``); webhooks and defining custom fields need ``administrative``. Timers
count as costs (a stopped timer is a cost line). Actions are listed by canonical name, so
legacy aliases follow them. An action missing here needs a scope no token has: user tokens
cannot call it (a test checks that every registered action is listed)."""

from __future__ import annotations

from actions.registry import Action

ADMINISTRATIVE = "administrative"

RESOURCES = {
    "users": """me get_users get_user add_user update_user enable_user disable_user
        get_user_groups add_user_group update_user_group delete_user_group
        get_users_schedule update_users_schedule""",
    "contacts": "get_contacts add_contact get_contact_groups add_contact_group",
    "projects": """get_projects get_project post_project update_project close_project
        activate_project add_project_members delete_project_members get_project_groups
        add_project_group get_events get_project_custom_fields""",
    "tasks": """get_all_tasks get_tasks get_task post_task update_task complete_task
        reopen_task delete_task search_tasks subscribe unsubscribe get_task_custom_fields""",
    "comments": "get_comments post_comment update_comment delete_comment",
    "tags": """get_task_tags add_task_tags update_task_tags get_task_tag_groups
        add_task_tag_groups get_project_tags add_project_tags update_project_tags
        get_project_tag_groups add_project_tag_groups""",
    "costs": """get_costs get_costs_total add_costs update_costs delete_costs
        get_timers stop_timer get_my_timer start_my_timer stop_my_timer delete_my_timer""",
    "files": "get_files download upload_files",
    ADMINISTRATIVE: """get_webhooks add_webhook delete_webhook get_webhook_deliveries
        add_task_custom_field update_task_custom_field delete_task_custom_field
        add_project_custom_field update_project_custom_field delete_project_custom_field""",
}
RESOURCE_OF = {name: resource for resource, names in RESOURCES.items() for name in names.split()}


def scope_for(spec: Action) -> str | None:
    """The scope a user token needs for this action (None: not open to user tokens)."""
    resource = RESOURCE_OF.get(spec.canonical)
    if resource is None or resource == ADMINISTRATIVE:
        return resource
    return f"{resource}_{'write' if spec.writes else 'read'}"
