"""/guide/ serves the site ``flask docs build`` wrote into the instance folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """The real guide, built once for this module (mkdocs, strict)."""
    site = tmp_path_factory.mktemp("guide-site")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(site / "guide")], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr
    return site


def test_every_link_of_the_served_guide_answers(app, client, built_site, monkeypatch):
    """Every page of /guide/ as served, every local link and asset it names: none is broken."""
    monkeypatch.setattr(app, "instance_path", str(built_site))
    seen, queue = set(), ["/guide/"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        with client.get(url) as answer:
            assert answer.status_code == 200, f"{url}: {answer.status_code}"
            if answer.mimetype != "text/html":
                continue
            page = answer.get_data(as_text=True)
        for link in re.findall(r'(?:href|src)="([^"#?]+)', page):
            target = urljoin(url, link)
            if urlsplit(target).scheme or not target.startswith("/guide/"):
                continue  # another site, or the API reference (/docs) beside the guide
            queue.append(target)
    assert {"/guide/moving-from-worksection/", "/guide/security/"} <= seen
    assert len([u for u in seen if u.endswith("/")]) >= 20
