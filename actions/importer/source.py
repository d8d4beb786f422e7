"""The account being left, read through its public API only: signed requests at a polite,
steady rate, retried with backoff, from a fixed list of actions that write nothing.

Every answer is also appended to a journal (one JSON line per request), so an interrupted
import asks the source only what it had not answered yet.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

# The only actions an import may call: all of them read. Older generations' names follow.
READ_ACTIONS = frozenset({
    "get_users", "get_user_groups", "get_users_schedule", "get_contacts",
    "get_contact_groups", "get_projects", "get_project_groups", "get_all_tasks",
    "get_comments", "get_costs", "get_timers", "get_files", "download", "get_webhooks",
    "get_events", "get_task_tags", "get_task_tag_groups", "get_project_tags",
    "get_project_tag_groups", "get_task_custom_fields", "get_project_custom_fields",
    "get_timemoney", "get_tags", "get_tag_groups"})
# Where an older server does not know an action, the name it had then.
OLDER_NAMES = {"get_costs": "get_timemoney", "get_task_tags": "get_tags",
               "get_task_tag_groups": "get_tag_groups"}
RETRIES = 6
MARGIN = 1.1  # requests start a little more than 1/rate apart: arrival jitter stays inside
# When the last request to each source started, for every client in this process: a run that
# follows another at once does not exceed the rate either.
LAST_START: dict[str, float] = {}


class SourceError(Exception):
    """The source answered an error envelope."""


class SourceDown(SourceError):
    """The source could not be reached, or kept failing, after the retries."""


class NotReadOnly(RuntimeError):
    """An action that writes was about to be sent: an import never does that."""


class SourceClient:
    def __init__(self, url: str, key: str | None = None, token: str | None = None, *,
                 rate: float = 1.0, journal: str | None = None, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base = url.rstrip("/")
        for suffix in ("/api/admin/v2", "/api/oauth2"):
            self.base = self.base.removesuffix(suffix)
        self.key, self.token = key, token
        self.interval = MARGIN / rate
        self.backoff, self.sleep = backoff, sleep
        self.requests = 0
        self.journal_path = journal
        self.answers = read_journal(journal)

    def call(self, action: str, **params: Any) -> Any:
        """The ``data`` of an action's answer (the whole envelope when it has none)."""
        envelope = json.loads(self.fetch(action, params))
        if envelope.get("status") != "ok":
            older = OLDER_NAMES.get(action)
            if envelope.get("status_code") == 0 and older:  # "Action is invalid"
                return self.call(older, **params)
            raise SourceError(f"{action}: {envelope.get('message')} "
                              f"{envelope.get('message_details') or ''}".strip())
        return envelope.get("data", envelope)

    def download(self, file_id: int) -> bytes:
        body = self.fetch("download", {"id_file": file_id}, raw=True)
        if body[:1] == b"{" and b'"status"' in body[:200]:
            envelope = json.loads(body)
            if envelope.get("status") == "error":
                raise SourceError(f"download {file_id}: {envelope.get('message')}")
        return body

    def fetch(self, action: str, params: dict[str, Any], raw: bool = False) -> bytes:
        if action not in READ_ACTIONS:
            raise NotReadOnly(f"{action} is not a read action: an import never writes")
        query = "&".join(f"{quote_plus(k)}={quote_plus(str(v))}"
                         for k, v in {"action": action, **params}.items())
        # Answers are kept per source and per kind of credential: a journal shared by mistake
        # never answers for another account or another user's view.
        kept = f"{self.base}|{'token' if self.token else 'key'}|{query}"
        if not raw and kept in self.answers:
            return self.answers[kept]
        body = self.send(query)
        if not raw:
            self.remember(kept, body)
        return body

    def send(self, query: str) -> bytes:
        """One request, retried with exponential backoff on a network error, HTTP 429 (after
        its Retry-After) or a 5xx answer."""
        for attempt in range(RETRIES + 1):
            self.wait_turn()
            try:
                with urllib.request.urlopen(self.request(query), timeout=60) as response:
                    return response.read()
            except urllib.error.HTTPError as err:
                if err.code != 429 and err.code < 500 or attempt == RETRIES:
                    raise SourceDown(f"HTTP {err.code} from the source") from None
                delay = retry_after(err) if err.code == 429 else None
            except (urllib.error.URLError, OSError) as err:
                if attempt == RETRIES:
                    raise SourceDown(f"the source cannot be reached: {err}") from None
                delay = None
            self.sleep(delay if delay is not None else self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")

    def request(self, query: str) -> urllib.request.Request:
        if self.token:
            return urllib.request.Request(f"{self.base}/api/oauth2?{query}", headers={
                "Authorization": f"Bearer {self.token}"})
        digest = hashlib.md5((query + (self.key or "")).encode()).hexdigest()
        return urllib.request.Request(f"{self.base}/api/admin/v2/?{query}&hash={digest}")

    def wait_turn(self) -> None:
        """Start requests at least ``1 / rate`` seconds apart."""
        pause = LAST_START.get(self.base, 0.0) + self.interval - time.monotonic()
        if pause > 0:
            self.sleep(pause)
        LAST_START[self.base] = time.monotonic()
        self.requests += 1

    def remember(self, query: str, body: bytes) -> None:
        self.answers[query] = body
        if self.journal_path:
            with open(self.journal_path, "a", encoding="utf-8") as journal:
                journal.write(json.dumps({"q": query, "a": body.decode()}) + "\n")

    def finish(self) -> None:
        """The import completed: the next run reads everything afresh."""
        if self.journal_path and os.path.exists(self.journal_path):
            os.remove(self.journal_path)


def read_journal(path: str | None) -> dict[str, bytes]:
    """The answers an interrupted run had; a torn last line is dropped."""
    answers: dict[str, bytes] = {}
    if not path or not os.path.exists(path):
        return answers
    with open(path, encoding="utf-8") as journal:
        for line in journal:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            answers[entry["q"]] = entry["a"].encode()
    return answers


def retry_after(err: urllib.error.HTTPError) -> float | None:
    try:
        return float(err.headers.get("Retry-After", ""))
    except ValueError:
        return None
