"""Screenshots of every tab for the README: ``python docs/make_screenshots.py`` (needs Chromium + Playwright)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: app.py, explorer/


from playwright.sync_api import sync_playwright

import app

TABS = {
    "Interpolation": "interpolation-tab.png",
    "Vector arithmetic": "arithmetic-tab.png",
    "Style mixing & noise": "stylemix-tab.png",
    "BigGAN truncation": "truncation-tab.png",
    "VAE manifold": "manifold-tab.png",
    "GAN lab (2-D)": "toylab-tab.png",
}
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]


def training(page, out: Path, steps: int = 600) -> None:
    """A DCGAN run started from the tab, captured when it finishes (FID every 100 steps)."""
    page.get_by_role("tab", name="Training").click()
    page.locator("#train-steps input").fill(str(steps))
    page.get_by_text("More: smoothing, EMA, sampling, FID").click()
    page.get_by_label("FID every K steps (0 = off)").fill("100")
    page.locator("#train-start").click()
    page.wait_for_function(
        "() => (document.querySelector('#train-status')?.innerText ?? '').startsWith('finished')", timeout=900_000
    )
    page.wait_for_timeout(2000)
    page.screenshot(path=str(out / "training-tab.png"), full_page=True)
    print("wrote", out / "training-tab.png")


def main(only: str | None = None) -> None:
    demo = app.build_app()
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, css=app.CSS)
    out = Path(__file__).parent
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(url)
            page.wait_for_selector("#interp-frame img", timeout=120_000)
            for tab, name in TABS.items() if only is None else ():
                page.get_by_role("tab", name=tab).click()
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out / name), full_page=False)
                print("wrote", out / name)
            if only in (None, "training"):
                training(page, out)
            browser.close()
    finally:
        demo.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)  # "training": only the Training tab
