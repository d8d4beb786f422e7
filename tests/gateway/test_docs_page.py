"""``/docs``: every action by resource, with its parameters, a real example and its errors;
the signing schemes and the filter language written for readers, not docstrings."""

from __future__ import annotations

import inspect
import re
from html import unescape

import pytest

from actions.gateway import catalogue, examples
from actions.gateway.roles import TOKEN_ONLY
from actions.registry import ACTIONS
from schemas import base, filter_syntax, filters


@pytest.fixture(scope="module")
def page():
    from app import create_app
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "s"})
    response = app.test_client().get("/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


def article(page: str, name: str) -> str:
    start = page.index(f'<article class="action" id="{name}"')
    return page[start:page.index("</article>", start)]


def test_actions_are_grouped_by_resource_in_worksections_order(page):
    titles = re.findall(r'<h2 class="group-title">([^<]+)</h2>', page)
    assert titles == ["Members", "Contacts", "Projects", "Tasks", "Comments", "Tags", "Costs",
                      "Timers", "Files", "Events and webhooks", "Taskgate extensions",
                      "Legacy names"]
    shown = re.findall(r'<article class="action" id="([a-z_]+)"', page)
    assert shown == [name for names in catalogue.grouped().values() for name in names]
    assert sorted(shown) == sorted(ACTIONS)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_action_shows_its_parameters_example_and_errors(page, name):
    text = article(page, name)
    assert f'<a class="anchor" href="#{name}">{name}</a>' in text
    for key, field in ACTIONS[name].schema.fields.items():
        row = re.search(rf"<tr><td><code>{re.escape(field.data_key or key)}</code></td>"
                        r"<td>([^<]+)</td><td>(required|optional)</td>", text)
        assert row and row[1].strip(), (name, key)
        assert (row[2] == "required") is field.required
    answer = examples.examples()[name]["answer"]
    shown = unescape(re.search(r'<pre class="answer">(.*?)</pre>', text, re.S)[1])
    assert shown.strip() and (answer.get("status") == "ok" or "body" in answer)
    assert "Action hash is missed or invalid" in text or name in TOKEN_ONLY
    tryable = name not in TOKEN_ONLY and name != "upload_files"
    assert ("<summary>Try it</summary>" in text) is tryable


def test_the_recorded_errors_are_listed(page):
    text = article(page, "get_task")
    assert "<tr><td>5</td><td>Task is invalid</td></tr>" in text
    assert "<tr><td>10</td><td>Field is required</td></tr>" in text


def test_the_signing_schemes_render_their_angle_brackets(page):
    assert "<code>hash = md5(&lt;query string without hash&gt; + key)</code>" in page
    assert "Admin &lt;unix_ts&gt;_&lt;hex hmac_sha256(key" in page
    assert re.search(r'md5\("action=get_task&amp;id_task=1&amp;extra=text" \+ '
                     r'"[0-9a-f]{32}"\)\n  = [0-9a-f]{32}', page)


def test_markdown_backticks_become_code(page):
    body = page[:page.index("<script>")]
    assert "`" not in body
    assert "<code>" in article(page, "get_users")


def paragraphs(doc: str | None) -> list[str]:
    return [" ".join(part.split()) for part in inspect.cleandoc(doc or "").split("\n\n")
            if len(part.split()) > 4]


def test_no_docstring_leaks_into_the_page(page):
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())
    docs = [filters.__doc__, filter_syntax.__doc__, base.__doc__]
    docs += [type(field).__doc__ for spec_action in ACTIONS.values()
             for field in spec_action.schema.fields.values()]
    docs += [type(spec_action.schema).__doc__ for spec_action in ACTIONS.values()]
    leaked = {paragraph for doc in docs for paragraph in paragraphs(doc) if paragraph in text}
    assert leaked == set()


def test_the_filter_language_has_its_grammar_fields_and_examples(page):
    section = page[page.index('<section id="filters"'):]
    section = section[:section.index("</section>")]
    assert "condition  = FIELD OP value" in section
    assert "name has 'Report' and dateend &gt; '25.05.2021'" in section
    assert '<a href="#search_tasks">search_tasks</a>' in section
    assert "<code>dateend</code> (date; also date_end)" in section


def test_nothing_is_loaded_from_elsewhere(page):
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)
    assert "<script>" in page and "function md5(" in page
