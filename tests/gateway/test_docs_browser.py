"""The docs pages in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``),
served under ``/taskgate/`` behind a proxy that strips the prefix and says so in
``X-Forwarded-Prefix`` (``TRUSTED_PROXIES = 1``), with a strict Content-Security-Policy:

- no console error (a blocked inline script or style would be one), no horizontal overflow at
  1366 px nor at 390 px, the contents sticky beside the page on a desktop and above it on a
  phone;
- the signer and "try it" call ``/taskgate/api/admin/v2/`` (the host root answers 404 here);
- "try it" is filled with the install's first project, task and user, and a write is sent
  only after its confirmation.

Layout is compared by metrics, not pixels: each page's height against
``tests/gateway/docs_layout.json`` (rewrite it with ``DOCS_LAYOUT=write``). Screenshots go to
``tests/output/`` (not committed), the previous run's kept as ``*.previous.png``."""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import API_KEY, OWNER_EMAIL, md5_hash, ok_data, post_task
from werkzeug.serving import make_server

from actions.gateway import proxy

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

OUTPUT = Path(__file__).resolve().parents[1] / "output"
LAYOUT = Path(__file__).with_name("docs_layout.json")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
PREFIX = "/taskgate"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
MAX_HEIGHT = 50_000  # px: the longest page (Taskgate extensions) is about 40,000 on a phone
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
METRICS = """
const nav = document.getElementById('sidebar').getBoundingClientRect();
return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        height: document.documentElement.scrollHeight,
        navLeft: nav.left, navTop: nav.top + window.scrollY, navWidth: nav.width,
        navPosition: getComputedStyle(document.getElementById('sidebar')).position,
        tocOpen: document.getElementById('toc').open};
"""


@pytest.fixture(scope="module")
def chrome():
    if not (CHROMIUM and DRIVER):
        pytest.skip("Chromium or its driver is not installed (apt-get install chromium "
                    "chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options,
                                  service=webdriver.ChromeService(executable_path=DRIVER))
    except Exception as err:  # a driver that cannot start here is a skip, not a failure
        pytest.skip(f"Chromium could not start: {err.__class__.__name__}: {err}")
    driver.set_page_load_timeout(15)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chrome):
    chrome.get_log("browser")  # forget what earlier tests left
    yield chrome
    chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


class Proxied:
    """The app under PREFIX, as nginx with ``proxy_pass http://app/`` and
    ``X-Forwarded-Prefix`` serves it; it records the paths called and adds the CSP."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app, self.calls = wsgi_app, []

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if not path.startswith(PREFIX + "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not under the prefix"]
        self.calls.append(f"{path}?{environ.get('QUERY_STRING', '')}")
        environ = {**environ, "PATH_INFO": path[len(PREFIX):], "HTTP_X_FORWARDED_PREFIX": PREFIX}

        def with_csp(status, headers, exc_info=None):
            return start_response(status, [*headers, ("Content-Security-Policy", CSP)], exc_info)

        return self.wsgi_app(environ, with_csp)


@pytest.fixture
def served(app):
    app.config["TRUSTED_PROXIES"] = 1
    proxy.install(app)
    proxied = Proxied(app.wsgi_app)
    server = make_server("127.0.0.1", 0, proxied, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    proxied.url = f"http://127.0.0.1:{server.server_port}{PREFIX}"
    yield proxied
    server.shutdown()
    thread.join(timeout=5)


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def open_page(driver, url: str, size: str) -> dict:
    width, height = SIZES[size]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": size == "phone"})
    driver.get(url)
    assert console_errors(driver) == [], url
    metrics = driver.execute_script(METRICS)
    assert metrics["innerWidth"] == width
    assert metrics["scrollWidth"] <= metrics["innerWidth"], (url, size, metrics)
    return metrics


def screenshot(driver, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / f"docs_{name}.png"
    if shot.exists():
        shot.replace(shot.with_suffix(".previous.png"))
    driver.save_screenshot(str(shot))


def compare_heights(measured: dict[str, int]) -> None:
    """Each page's height within a fifth of the last accepted layout's (a page measured for
    the first time is accepted), and none near the old single page's 123,000 px."""
    kept = json.loads(LAYOUT.read_text()) if LAYOUT.exists() else {}
    if os.environ.get("DOCS_LAYOUT") == "write" or set(measured) - set(kept):
        kept = {**measured, **kept} if os.environ.get("DOCS_LAYOUT") != "write" else {
            **kept, **measured}
        LAYOUT.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n")
    changed = {page: (kept[page], height) for page, height in measured.items()
               if abs(height - kept[page]) > kept[page] / 5}
    assert not changed, f"page heights moved (kept, now): {changed}; DOCS_LAYOUT=write if meant"
    assert max(measured.values()) < MAX_HEIGHT


def visible(driver, selector: str) -> bool:
    return driver.find_element(By.CSS_SELECTOR, selector).is_displayed()


def type_key(driver) -> None:
    field = driver.find_element(By.ID, "api-key")
    field.send_keys(API_KEY, Keys.TAB)  # the change event reads the install's data
    WebDriverWait(driver, 10).until(
        lambda _: driver.find_element(By.ID, "install-data").text.startswith("Try it uses"))


def try_form(driver, name: str):
    article = driver.find_element(By.ID, name)
    driver.execute_script("arguments[0].scrollIntoView()", article)
    article.find_element(By.CSS_SELECTOR, "details.try summary").click()
    return article


def answer_of(driver, article) -> dict:
    answer = article.find_element(By.CSS_SELECTOR, ".try-answer")
    WebDriverWait(driver, 10).until(lambda _: answer.text.startswith("{"))
    return json.loads(answer.text)


def test_desktop_behind_a_prefix_with_a_strict_csp(browser, served, api):
    project = int(ok_data(api.call("post_project", title="Install project"))["id"])
    task = post_task(api, project, title="Install task")

    metrics = open_page(browser, f"{served.url}/docs", "desktop")
    assert metrics["navPosition"] == "sticky" and metrics["navLeft"] == 0 and metrics["tocOpen"]
    heights = {"desktop /docs": metrics["height"]}
    browser.find_element(By.ID, "search").send_keys("create a task")
    assert visible(browser, '#sidebar li[data-action="post_task"]')
    assert not visible(browser, '#sidebar li[data-action="get_users"]')
    browser.find_element(By.ID, "search").clear()
    type_key(browser)
    assert "project " + str(project) in browser.find_element(By.ID, "install-data").text
    query = browser.find_element(By.ID, "sign-query")
    query.clear()
    query.send_keys("action=get_users&limit=2")
    browser.find_element(By.ID, "sign-button").click()
    assert browser.find_element(By.ID, "sign-hash").text == md5_hash("action=get_users&limit=2")
    signed = browser.find_element(By.ID, "sign-url").text
    assert signed.startswith(f"{PREFIX}/api/admin/v2/?action=get_users&limit=2&hash=")
    origin = served.url[:-len(PREFIX)]
    with urllib.request.urlopen(origin + signed) as response:  # the server accepts that hash
        assert json.load(response)["status"] == "ok"

    metrics = open_page(browser, f"{served.url}/docs/tasks", "desktop")
    heights["desktop /docs/tasks"] = metrics["height"]
    type_key(browser)
    slots = browser.find_elements(By.CSS_SELECTOR, "#post_task .base-slot")
    assert {slot.get_attribute("textContent") for slot in slots} == {served.url}
    keys = browser.find_elements(By.CSS_SELECTOR, "#post_task .key-slot")
    assert {slot.get_attribute("textContent") for slot in keys} == {API_KEY}

    reads = try_form(browser, "get_task")
    assert f"id_task={task}" in reads.find_element(By.CSS_SELECTOR, ".try-query").get_attribute(
        "value")
    reads.find_element(By.CSS_SELECTOR, ".try-send").click()
    assert answer_of(browser, reads)["data"]["name"] == "Install task"  # no confirmation

    article = try_form(browser, "post_task")
    sent = parse_qs(article.find_element(By.CSS_SELECTOR, ".try-query").get_attribute("value"))
    assert sent["id_project"] == [str(project)] and sent["email_user_to"] == [OWNER_EMAIL]
    article.find_element(By.CSS_SELECTOR, ".try-send").click()
    confirm = article.find_element(By.CSS_SELECTOR, ".try-confirm")
    assert confirm.is_displayed() and "post_task" in confirm.text
    article.find_element(By.CSS_SELECTOR, ".try-no").click()
    assert not confirm.is_displayed()
    article.find_element(By.CSS_SELECTOR, ".try-send").click()
    assert not [call for call in served.calls if "action=post_task" in call]
    article.find_element(By.CSS_SELECTOR, ".try-yes").click()
    body = answer_of(browser, article)
    assert body["status"] == "ok" and body["data"]["project"]["id"] == str(project)
    posted = [urlsplit(call) for call in served.calls if "action=post_task" in call]
    assert [call.path for call in posted] == [f"{PREFIX}/api/admin/v2/"]
    assert not {"get_projects", "get_users", "get_tasks"} - {
        parse_qs(urlsplit(call).query).get("action", [""])[0] for call in served.calls}
    screenshot(browser, "desktop")
    assert console_errors(browser) == []
    compare_heights(heights)


def test_phone_width_has_no_horizontal_scrolling(browser, served):
    browser.get(f"{served.url}/docs#update_task")  # a link to the old single page
    WebDriverWait(browser, 10).until(lambda _: browser.current_url.endswith(
        f"{PREFIX}/docs/tasks#update_task"))
    heights = {}
    for page in ("/docs", "/docs/tasks", "/docs/projects", "/docs/taskgate-extensions"):
        metrics = open_page(browser, served.url + page, "phone")
        assert metrics["navPosition"] == "static" and metrics["navTop"] == 0
        assert metrics["navWidth"] == 390 and not metrics["tocOpen"]
        heights[f"phone {page}"] = metrics["height"]
        if page == "/docs/tasks":
            browser.find_element(By.CSS_SELECTOR, "#toc summary").click()
            assert browser.find_element(By.LINK_TEXT, "post_task").is_displayed()
            assert browser.execute_script(METRICS)["scrollWidth"] <= 390
            browser.find_element(By.ID, "api-key").send_keys("0" * 32, Keys.TAB)
            WebDriverWait(browser, 10).until(lambda _: browser.find_element(
                By.ID, "install-data").text == "The key was not accepted: Action hash is missed "
                "or invalid")
            screenshot(browser, "phone")
    compare_heights(heights)
