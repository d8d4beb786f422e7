"""Which page a webhook names: live Worksection deliveries point task and comment events at
``/task/T/``; get_events answers the documented ``/project/P/T/`` (README "Webhooks")."""

from __future__ import annotations

from conftest import ok_data, post_task
from webhook_kit import add, deliver


def test_comment_events_name_the_task_page_live_style_in_webhooks_only(
        hooks_app, api, receiver, website):
    assert add(api, receiver, events="post_task,post_comment")["status"] == "ok"
    task = post_task(api, website)
    comment = ok_data(api.call("post_comment", id_task=task, text="Looks good"))
    deliver(hooks_app)
    sent = {event["object"]["type"]: event["object"] for event in receiver.events()}
    assert sent["comment"] == {"type": "comment", "id": comment["id"], "page": f"/task/{task}/"}
    assert sent["task"] == {"type": "task", "id": str(task), "page": f"/task/{task}/"}
    logged = {e["object"]["type"]: e["object"]
              for e in ok_data(api.call("get_events", period="1d"))}
    assert logged["comment"]["page"] == f"/project/{website}/{task}/"
    assert "#com" not in logged["comment"]["page"]
    assert ok_data(api.call("get_comments", id_task=task))[0]["page"] == comment["page"]
