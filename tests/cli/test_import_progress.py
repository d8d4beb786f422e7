"""What ``flask import-from`` shows while it runs: a bar on a terminal, plain lines (phase,
done/all, time left) in a log."""

from __future__ import annotations

import io

from actions.importer import progress as shown


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_plain_lines_with_the_time_left(monkeypatch):
    clock = iter(float(t) for t in range(0, 1000, 5))  # each step takes 5 s
    monkeypatch.setattr(shown.time, "monotonic", lambda: next(clock))
    out = io.StringIO()
    assert list(shown.progress("reading comments", range(4), out)) == [0, 1, 2, 3]
    assert out.getvalue().splitlines() == [
        "reading comments: 0/4",
        "reading comments: 2/4, about 10 s left",
        "reading comments: 4/4, done"]


def test_a_terminal_gets_a_bar():
    out = Terminal()
    assert list(shown.progress("reading lists", range(3), out)) == [0, 1, 2]
    assert "reading lists" in out.getvalue() and "3/3" in out.getvalue()


def test_durations_read_as_people_say_them():
    assert [shown.duration(s) for s in (0.2, 40, 3000, 7500)] == [
        "1 s", "40 s", "50 min", "2 h 5 min"]
