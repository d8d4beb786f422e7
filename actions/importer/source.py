"""The account being left, read through its public API only: signed requests at a polite,
steady rate, retried with backoff, from a fixed list of actions that write nothing.

Every answer is also appended to a journal (one JSON line per request), so an interrupted
import asks the source only what it had not answered yet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable
from typing import Any, BinaryIO
from urllib.parse import quote_plus

from actions.importer import transport
from models.base import now

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
MAX_DEPTH = 32  # levels of nesting in an answer; a real account's deepest is about 12
# When the last request to each source started, for every client in this process: a run that
# follows another at once does not exceed the rate either.
LAST_START: dict[str, float] = {}


class SourceError(Exception):
    """The source answered an error envelope."""


class SourceDown(SourceError):
    """The source could not be reached, or kept failing, after the retries (or the run's
    time was up): the next run continues from the journal."""


class SourceUnsafe(SourceDown):
    """The source answered in a way an import does not go along with (a redirect to another
    host, an answer over the limit, JSON nested too deeply): running again will not help."""


class FileTooLarge(SourceError):
    """One file is over the install's file size limit: it is reported, the rest comes."""


class NotReadOnly(RuntimeError):
    """An action that writes was about to be sent: an import never does that."""


class SourceClient:
    def __init__(self, url: str, key: str | None = None, token: str | None = None, *,
                 rate: float = 1.0, journal: str | None = None, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep, timeout: float = 120.0,
                 max_time: float | None = None, max_answer: int = 32 * 1024 * 1024,
                 max_file: int = 25 * 1024 * 1024) -> None:
        self.base = url.rstrip("/")
        for suffix in ("/api/admin/v2", "/api/oauth2"):
            self.base = self.base.removesuffix(suffix)
        self.key, self.token = key, token
        self.rate, self.interval = rate, MARGIN / rate
        self.backoff, self.sleep = backoff, sleep
        self.timeout, self.max_answer, self.max_file = timeout, max_answer, max_file
        self.deadline = None if max_time is None else time.monotonic() + max_time
        self.max_time = max_time
        self.requests = 0
        self.journal_path = journal
        self.answers, self.started = read_journal(journal)

    def call(self, action: str, **params: Any) -> Any:
        """The ``data`` of an action's answer (the whole envelope when it has none)."""
        envelope = self.fetch(action, params)
        if not isinstance(envelope, dict):
            raise ValueError(f"expected an object, got {type(envelope).__name__}")
        if envelope.get("status") != "ok":
            older = OLDER_NAMES.get(action)
            if envelope.get("status_code") == 0 and older:  # "Action is invalid"
                return self.call(older, **params)
            raise SourceError(f"{action}: {envelope.get('message')} "
                              f"{envelope.get('message_details') or ''}".strip())
        return envelope.get("data", envelope)

    def download(self, file_id: int, into: BinaryIO) -> None:
        """A file's bytes, streamed into ``into`` (at most ``max_file`` of them)."""
        query = self.query("download", {"id_file": file_id})
        try:
            self.send(query, into=into, limit=self.max_file)
        except transport.TooLarge as err:
            raise FileTooLarge(f"file {file_id} is over this install's file size limit "
                               f"(MAX_FILE_SIZE, {self.max_file} bytes): {err}") from None
        into.seek(0)
        head = into.read(200)
        if head[:1] == b"{" and b'"status"' in head and into.seek(0, os.SEEK_END) < 65536:
            into.seek(0)
            envelope = parse(into.read(), "download")
            if isinstance(envelope, dict) and envelope.get("status") == "error":
                raise SourceError(f"download {file_id}: {envelope.get('message')}")
        into.seek(0)

    def query(self, action: str, params: dict[str, Any]) -> str:
        if action not in READ_ACTIONS:
            raise NotReadOnly(f"{action} is not a read action: an import never writes")
        return "&".join(f"{quote_plus(k)}={quote_plus(str(v))}"
                        for k, v in {"action": action, **params}.items())

    def fetch(self, action: str, params: dict[str, Any]) -> Any:
        """An answer's JSON, from the journal or the source (then journaled once it parsed)."""
        query = self.query(action, params)
        # Answers are kept per source and per kind of credential: a journal shared by mistake
        # never answers for another account or another user's view.
        kept = f"{self.base}|{'token' if self.token else 'key'}|{query}"
        if kept in self.answers:
            return parse(self.answers[kept], action)
        try:
            body = self.send(query, limit=self.max_answer)
        except transport.TooLarge as err:
            raise SourceUnsafe(f"{action}: the answer is larger than this import allows "
                               f"(--max-answer, {self.max_answer} bytes): {err}") from None
        value = parse(body, action)
        self.remember(kept, body)
        return value

    def send(self, query: str, into: BinaryIO | None = None, limit: int = 0) -> bytes:
        """One request, retried with exponential backoff on a network error (a missed
        deadline too), HTTP 429 (after its Retry-After) or a 5xx answer."""
        url, headers = self.request(query)
        for attempt in range(RETRIES + 1):
            self.wait_turn()
            if into is not None:
                into.seek(0)
                into.truncate()
            try:
                answer = transport.get(url, headers, timeout=self.request_time(), limit=limit,
                                       into=into)
            except transport.TooLarge:
                raise
            except transport.Unsafe as err:
                raise SourceUnsafe(str(err)) from None
            except OSError as err:
                if attempt == RETRIES:
                    raise SourceDown(f"the source cannot be reached: {err}") from None
                delay = None
            else:
                if answer.status < 300:
                    return answer.body
                if answer.status != 429 and answer.status < 500:
                    raise SourceUnsafe(f"HTTP {answer.status} from the source: check the URL "
                                       "and the key or token")
                if attempt == RETRIES:
                    raise SourceDown(f"HTTP {answer.status} from the source") from None
                delay = retry_after(answer.headers) if answer.status == 429 else None
            self.sleep(delay if delay is not None else self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")

    def request(self, query: str) -> tuple[str, dict[str, str]]:
        if self.token:
            return f"{self.base}/api/oauth2?{query}", {"Authorization": f"Bearer {self.token}"}
        digest = hashlib.md5((query + (self.key or "")).encode()).hexdigest()
        return f"{self.base}/api/admin/v2/?{query}&hash={digest}", {}

    def request_time(self) -> float:
        """The request's deadline: its own, or what is left of the run's if less."""
        if self.deadline is None:
            return self.timeout
        return max(0.001, min(self.timeout, self.deadline - time.monotonic()))

    def wait_turn(self) -> None:
        """Start requests at least ``1 / rate`` seconds apart, within the run's time."""
        pause = LAST_START.get(self.base, 0.0) + self.interval - time.monotonic()
        if pause > 0:
            self.sleep(pause)
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise SourceDown(f"the run reached its time limit (--max-time {self.max_time:g} s)")
        LAST_START[self.base] = time.monotonic()
        self.requests += 1

    def remember(self, query: str, body: bytes) -> None:
        self.answers[query] = body
        if self.journal_path:
            with private_append(self.journal_path) as journal:
                if journal.tell() == 0:
                    journal.write(json.dumps({"started": self.started.isoformat()}) + "\n")
                journal.write(json.dumps({"q": query, "a": body.decode(errors="replace")}) + "\n")

    def finish(self) -> None:
        """The import completed: the next run reads everything afresh."""
        if self.journal_path and os.path.exists(self.journal_path):
            os.remove(self.journal_path)


def private_append(path: str):
    """The journal holds account data: only its owner may read it (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "a", encoding="utf-8")


def parse(body: bytes, action: str) -> Any:
    """An answer's JSON; ``SourceUnsafe`` when it is nested deeper than any account's."""
    try:
        value = json.loads(body)
    except RecursionError:
        value = None
    else:
        if depth_within(value, MAX_DEPTH):
            return value
    raise SourceUnsafe(f"{action}: the answer is nested more than {MAX_DEPTH} levels deep, "
                       "which no account's data is")


def depth_within(value: Any, limit: int) -> bool:
    level = [value]
    for _ in range(limit):
        level = [v for item in level if isinstance(item, (dict, list))
                 for v in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return True
    return False


def read_journal(path: str | None) -> tuple[dict[str, bytes], dt.datetime]:
    """The answers an interrupted run had, and when that run started (else now); a torn last
    line is dropped."""
    answers: dict[str, bytes] = {}
    started = now()
    if not path or not os.path.exists(path):
        return answers, started
    with open(path, encoding="utf-8") as journal:
        for line in journal:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and "started" in entry:
                started = min(started, when(entry["started"]) or started)
            elif isinstance(entry, dict) and "q" in entry:
                answers[entry["q"]] = entry["a"].encode()
    return answers, started


def when(text: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None


def retry_after(headers: dict[str, str]) -> float | None:
    try:
        return float(headers.get("retry-after", ""))
    except ValueError:
        return None
