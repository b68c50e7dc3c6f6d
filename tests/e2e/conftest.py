import pytest


@pytest.fixture(scope="session")
def browser(chromium, app_url):
    """The worker's Chromium (tests/conftest.py), once the served app is up."""
    return chromium


@pytest.fixture(scope="module")
def page(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    yield page
    page.close()  # the browser serves every module: a page left open keeps running its timers


@pytest.fixture
def browser_factory(browser):
    """Fresh pages in fresh contexts (no shared storage): what opening a copied link elsewhere gives."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
