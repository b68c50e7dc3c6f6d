"""The Metrics tab in a real Chromium at a projector's 1280×720: scores, the IS and FID failure modes, the quiz."""

import re

import pytest

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"


@pytest.fixture(scope="module")
def metrics_page(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(app_url)
    page.get_by_role("tab", name="Metrics").click()
    yield page
    page.close()


def text_of(page, selector: str) -> str:
    return page.locator(selector).inner_text()


def test_scores_of_the_default_dcgan(metrics_page):
    page = metrics_page
    page.locator("#metrics-compute").click()
    page.wait_for_function(
        "() => document.querySelector('#metrics-table')?.innerText.includes('Inception Score')", timeout=120_000
    )
    table = text_of(page, "#metrics-table")
    inception = float(re.search(r"Inception Score\s+([\d.]+)", table).group(1))
    fid = float(re.search(r"FID\s+([\d.]+)", table).group(1))
    assert 1 < inception < 10 and fid > 0 and "dcgan-fashion-mnist" in table


def test_one_image_per_class_and_dropping_classes(metrics_page):
    page = metrics_page
    page.get_by_role("tab", name="How IS fails").click()
    page.locator("#metrics-one-per-class").click()
    page.wait_for_function(
        "() => document.querySelector('#metrics-one-per-class-table')?.innerText.includes('one image per class')",
        timeout=120_000,
    )
    rows = text_of(page, "#metrics-one-per-class-table")
    cheat, real = (float(v) for v in re.findall(r"\n[^\n]*?\t([\d.]+)\t", rows)[:2])
    assert cheat > 9 and cheat > real
    page.get_by_role("tab", name="FID: samples and modes").click()
    page.locator("#metrics-drop-classes").click()
    page.locator("#metrics-drop-plot .js-plotly-plot").wait_for(timeout=120_000)
    names = page.evaluate("() => document.querySelector('#metrics-drop-plot .js-plotly-plot').data.map((t) => t.name)")
    assert names == ["FID (left)", "Inception Score (right)"]


def test_five_quiz_answers_are_counted(metrics_page):
    page = metrics_page
    page.get_by_role("tab", name="Human quiz").click()
    page.locator("#quiz-start").click()
    page.locator("#quiz-image img").wait_for(timeout=60_000)
    for i in range(1, 6):
        src = page.locator("#quiz-image img").get_attribute("src")
        assert "real" not in src.lower() and "fake" not in src.lower()  # the file name does not give it away
        page.locator("#quiz-real" if i % 2 else "#quiz-fake").click()
        page.wait_for_function(
            f"() => /of {i}\\*?\\*? right/.test(document.querySelector('#quiz-score')?.innerText || '')",
            timeout=60_000,
        )
    score = text_of(page, "#quiz-score")
    right = int(re.search(r"(\d+) of 5", score).group(1))
    assert 0 <= right <= 5 and "the room" in score
