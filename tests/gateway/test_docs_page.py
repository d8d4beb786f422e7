"""``/docs`` and ``/docs/<resource>``: every action on its resource's page, with its parameters
(required first, then in Worksection's order, formats people read), examples in curl, Python
and PHP, a real answer and its errors; script and style in static files, every URL relative."""

from __future__ import annotations

import inspect
import json
import re
from html import unescape

import pytest

from actions.gateway import catalogue, examples
from actions.gateway.roles import TOKEN_ONLY
from actions.registry import ACTIONS
from schemas import base, filter_syntax, filters

LANGUAGES = ["curl", "Python (worksection)", "Python (requests)", "PHP"]


@pytest.fixture(scope="module")
def site():
    from app import create_app
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "s",
                      "TRUSTED_PROXIES": 1})
    return app.test_client()


def get(site, path: str, **headers) -> str:
    response = site.get(path, headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/html", path
    return response.get_data(as_text=True)


@pytest.fixture(scope="module")
def page(site):
    return get(site, "/docs")


@pytest.fixture(scope="module")
def pages(site):
    return {group: get(site, f"/docs/{catalogue.slug(group)}") for group in catalogue.grouped()}


def article(pages, name: str) -> str:
    text = pages[catalogue.group_of(name)]
    start = text.index(f'<article class="action" id="{name}"')
    return text[start:text.index("</article>", start)]


def param_rows(text: str) -> list[tuple[str, str, str, str]]:
    return re.findall(r'<tr><td data-label="parameter"><code>([^<]+)</code></td>'
                      r'<td data-label="type">([^<]*)</td><td data-label="required"[^>]*>(\w+)</td>'
                      r'<td data-label="format">([^<]*)</td>', text)


def test_one_page_per_resource_in_worksections_order(page, pages):
    listed = re.findall(r'<li><a href="docs/([a-z-]+)">([^<]+)</a>', page)
    assert [title for _, title in listed] == [
        "Members", "Contacts", "Projects", "Tasks", "Comments", "Tags", "Costs", "Timers",
        "Files", "Events and webhooks", "Taskgate extensions", "Legacy names"]
    assert [slug for slug, _ in listed] == [catalogue.slug(group) for group in pages]
    shown = [name for group, text in pages.items()
             for name in re.findall(r'<article class="action" id="([a-z_]+)"', text)]
    assert shown == [name for names in catalogue.grouped().values() for name in names]
    assert sorted(shown) == sorted(ACTIONS)


def test_an_unknown_resource_is_not_found(site):
    assert site.get("/docs/nothing").status_code == 404


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_action_shows_its_parameters_examples_answer_and_errors(pages, name):
    text = article(pages, name)
    assert f'<a class="anchor" href="#{name}">{name}</a>' in text
    rows = {row[0]: row for row in param_rows(text)}
    for key, field in ACTIONS[name].schema.fields.items():
        row = rows[field.data_key or key]
        assert row[1].strip(), (name, key)
        assert (row[2] == "required") is field.required
    flags = [row[2] == "required" for row in param_rows(text)]
    assert flags == sorted(flags, reverse=True), "the required parameters come first"
    assert re.findall(r'<pre class="snippet" data-language="([^"]+)">', text) == LANGUAGES
    answer = examples.examples()[name]["answer"]
    shown = unescape(re.search(r'<pre class="answer">(.*?)</pre>', text, re.S)[1])
    assert shown.strip() and (answer.get("status") == "ok" or "body" in answer)
    assert "Action hash is missed or invalid" in text or name in TOKEN_ONLY
    tryable = name not in TOKEN_ONLY and name != "upload_files"
    assert ("<summary>Try it</summary>" in text) is tryable


def test_post_task_lists_its_parameters_as_worksection_does(pages):
    names = [row[0] for row in param_rows(article(pages, "post_task"))]
    assert names[:8] == ["id_project", "title", "id_parent", "email_user_from", "email_user_to",
                         "priority", "text", "todo"]
    assert names.index("dateend") < names.index("max_time") < names.index("task_uid")


def test_formats_are_written_for_people_not_as_regular_expressions(pages):
    rows = {row[0]: row[3] for row in param_rows(article(pages, "post_task"))}
    assert rows["dateend"] == "DD.MM.YYYY (or YYYY-MM-DD)"
    assert rows["max_money"].startswith("a decimal: 12.50")
    assert "9223372036854775807" not in rows["id_project"]
    periods = {row[0]: row[3] for row in param_rows(article(pages, "get_events"))}
    assert periods["period"] == "a number and m, h or d: 30m, 12h, 7d"
    for text in pages.values():
        assert not re.search(r"\^\(|\\d[{+]", text)


def test_try_it_takes_ids_and_emails_from_the_install(pages):
    text = article(pages, "post_task")
    form = re.search(r'<details class="try" data-action="post_task" data-writes="1" '
                     r'data-fill="([^"]+)">', text)
    fill = {key: (value, where) for key, value, where, _ in json.loads(unescape(form[1]))}
    assert fill["id_project"][1] == "project" and fill["email_user_to"][1] == "user"
    assert fill["title"] == ("Brand book", "")
    query = unescape(re.search(r'class="try-query" value="([^"]+)"', text)[1])
    assert "frank.harper" not in query and "id_project=&" in query
    reads = article(pages, "get_users")
    assert 'data-action="get_users" data-writes="0"' in reads


def test_the_recorded_errors_are_listed(pages):
    text = article(pages, "get_task")
    assert "<tr><td>5</td><td>Task is invalid</td></tr>" in text
    assert "<tr><td>10</td><td>Field is required</td></tr>" in text


def test_the_signing_schemes_render_their_angle_brackets(page):
    assert "<code>hash = md5(&lt;query string without hash&gt; + key)</code>" in page
    assert "Admin &lt;unix_ts&gt;_&lt;hex hmac_sha256(key" in page
    assert re.search(r'md5\("action=get_task&amp;id_task=1&amp;extra=text" \+ '
                     r'"[0-9a-f]{32}"\)\n  = [0-9a-f]{32}', page)


def test_markdown_backticks_become_code(page, pages):
    for text in [page, *pages.values()]:
        assert "`" not in re.sub(r"<pre class=\"snippet\".*?</pre>", "", text, flags=re.S)
    assert "<code>" in article(pages, "get_users")


def paragraphs(doc: str | None) -> list[str]:
    return [" ".join(part.split()) for part in inspect.cleandoc(doc or "").split("\n\n")
            if len(part.split()) > 4]


def test_no_docstring_leaks_into_the_pages(page, pages):
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", page + "".join(pages.values()))).split())
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
    assert '<a href="docs/tasks#search_tasks">search_tasks</a>' in section
    assert "<code>dateend</code> (date; also date_end)" in section


def test_no_inline_code_and_nothing_loaded_from_elsewhere(site, page, pages):
    """What a strict Content-Security-Policy (no 'unsafe-inline') lets run."""
    for text in [page, *pages.values()]:
        assert "<script>" not in text and "<style" not in text
        assert not re.search(r"\s(style|on[a-z]+)=", text)
        assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', text)
        assert len(assets) == 4 and not any(url.startswith(("/", "http")) for url in assets)
    for url in ("/docs/static/docs.js", "/docs/static/md5.js", "/docs/static/docs.css",
                "/docs/static/favicon.svg"):
        response = site.get(url)
        response.close()
        assert response.status_code == 200


def test_every_link_is_relative_to_the_page(page, pages):
    for text in [page, *pages.values()]:
        links = re.findall(r'\shref="([^"#][^"]*)"', text)
        assert links and not [url for url in links if url.startswith(("/", "http"))]
    assert 'data-root="./"' in page and 'data-root="../"' in pages["tasks"]


def test_examples_name_the_address_the_page_was_fetched_from(site):
    text = get(site, "/docs/tasks", **{"X-Forwarded-Prefix": "/taskgate",
                                       "X-Forwarded-Host": "work.example.org",
                                       "X-Forwarded-Proto": "https"})
    assert '<span class="base-slot">https://work.example.org/taskgate</span>' in text
    assert '<span class="key-slot">YOUR_API_KEY</span>' in text
