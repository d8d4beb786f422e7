"""``/docs`` in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``):
the page loads without a console error, the search finds an action, the signer's hash is the
one the server accepts, and "try it" runs ``get_users``. A screenshot is kept in
``tests/output/`` (not committed)."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest
from conftest import API_KEY, md5_hash

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

OUTPUT = Path(__file__).resolve().parents[1] / "output"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser():
    if not (CHROMIUM and DRIVER):
        pytest.skip("Chromium or its driver is not installed (apt-get install chromium "
                    "chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options,
                                  service=webdriver.ChromeService(executable_path=DRIVER))
    except Exception as err:  # a driver that cannot start here is a skip, not a failure
        pytest.skip(f"Chromium could not start: {err.__class__.__name__}: {err}")
    yield driver
    driver.quit()


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def visible(driver, selector: str) -> bool:
    return driver.find_element(By.CSS_SELECTOR, selector).is_displayed()


def test_the_docs_page_in_chromium(browser, live_server):
    browser.get(f"{live_server}/docs")
    assert browser.title == "Taskgate API"
    assert console_errors(browser) == []

    browser.find_element(By.ID, "search").send_keys("get_users")
    assert visible(browser, "article#get_users")
    assert not visible(browser, "article#post_task")
    assert visible(browser, '#sidebar li[data-action="get_users"]')

    browser.find_element(By.ID, "api-key").send_keys(API_KEY)
    query = browser.find_element(By.ID, "sign-query")
    query.clear()
    query.send_keys("action=get_users&limit=2")
    browser.find_element(By.ID, "sign-button").click()
    assert browser.find_element(By.ID, "sign-hash").text == md5_hash("action=get_users&limit=2")
    signed_url = live_server + browser.find_element(By.ID, "sign-url").text
    with urllib.request.urlopen(signed_url) as response:  # the server accepts that hash
        assert json.load(response)["status"] == "ok"

    article = browser.find_element(By.ID, "get_users")
    article.find_element(By.CSS_SELECTOR, "details.try summary").click()
    article.find_element(By.CSS_SELECTOR, ".try-send").click()
    answer = article.find_element(By.CSS_SELECTOR, ".try-answer")
    WebDriverWait(browser, 10).until(lambda _: answer.text.startswith("{"))
    body = json.loads(answer.text)
    assert body["status"] == "ok" and body["data"][0]["email"] == "henry.gardner@ws.com"

    browser.execute_script("arguments[0].scrollIntoView()", answer)
    OUTPUT.mkdir(exist_ok=True)
    browser.save_screenshot(str(OUTPUT / "docs_page.png"))
    assert console_errors(browser) == []
