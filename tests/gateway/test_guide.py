"""/guide/ serves the site ``flask docs build`` wrote into the instance folder."""

from __future__ import annotations

import pytest


@pytest.fixture
def site(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "guide"


def test_an_unbuilt_guide_says_how_to_build_it(client, site):
    answer = client.get("/guide/")
    assert answer.status_code == 404
    assert answer.json["status"] == "error"
    assert "flask --app app docs build" in answer.json["message_details"]


def test_the_built_guide_is_served_with_its_folders_as_pages(client, site):
    (site / "clients").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Taskgate</h1>")
    (site / "clients" / "index.html").write_text("<h1>Clients</h1>")
    assert client.get("/guide").headers["Location"].endswith("guide/")
    assert b"Taskgate" in page(client, "/guide/")
    assert b"Clients" in page(client, "/guide/clients/")
    assert client.get("/guide/clients").headers["Location"] == "clients/"


@pytest.mark.parametrize("path", ["/guide/../app.py", "/guide/%2e%2e/app.py", "/guide/missing/"])
def test_nothing_outside_the_site_is_served(client, site, path):
    site.mkdir()
    (site / "index.html").write_text("<h1>Taskgate</h1>")
    answer = client.get(path)
    assert answer.status_code == 404 and answer.json["status"] == "error"


def test_the_landing_page_links_the_guide(client):
    assert b'href="guide/"' in client.get("/").data


def page(client, path: str) -> bytes:
    with client.get(path) as answer:
        assert answer.status_code == 200
        return answer.data
