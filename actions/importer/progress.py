"""What a long import shows while it runs: the phase, how far it is (done / all) and the time
left. On a terminal, a bar redrawn in place; otherwise (a log, a CI job) a plain line now and
then, so that the output stays readable."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import click

EVERY = 10.0  # seconds between plain lines (and one at the start and the end of a phase)


def progress(label: str, items: Iterable[Any], out: TextIO | None = None) -> Iterator[Any]:
    out = out or sys.stderr
    items = list(items)
    if not items:
        return
    if out.isatty():
        with click.progressbar(items, label=f"{label:<18}", show_pos=True, show_eta=True,
                               file=out) as bar:
            yield from bar
        return
    yield from lines(label, items, out)


def lines(label: str, items: list[Any], out: TextIO) -> Iterator[Any]:
    start = last = time.monotonic()
    click.echo(f"{label}: 0/{len(items)}", file=out)
    for done, item in enumerate(items, 1):
        yield item
        moment = time.monotonic()
        if moment - last >= EVERY or done == len(items):
            last = moment
            left = (moment - start) / done * (len(items) - done)
            click.echo(f"{label}: {done}/{len(items)}" + (
                f", about {duration(left)} left" if done < len(items) else ", done"), file=out)


def duration(seconds: float) -> str:
    """``40 s``, ``12 min``, ``2 h 5 min``."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"
