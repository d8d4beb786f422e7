"""The landing page at /: what this is, the version, links to the docs and health, nothing
loaded from elsewhere."""

from __future__ import annotations

from actions.gateway.landing import version


def test_the_landing_page(client):
    response = client.get("/")
    assert (response.status_code, response.mimetype) == (200, "text/html")
    page = response.get_data(as_text=True)
    assert "Worksection admin API" in page and f"Version <strong>{version()}</strong>" in page
    for link in ('href="docs"', 'href="healthz"', 'href="readyz"', 'href="openapi.json"'):
        assert link in page
    assert "<script" not in page and "src=" not in page and "http" not in page.lower().replace(
        "<!doctype html>", "")


def test_the_version_is_the_one_in_pyproject():
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    assert version() == tomllib.loads(pyproject.read_text())["project"]["version"]
