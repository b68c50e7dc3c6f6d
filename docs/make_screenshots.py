"""Screenshots of every tab for the README, as a projector shows them: presentation mode at 1280×720.

    python docs/make_screenshots.py            # every tab, then a short Training run
    python docs/make_screenshots.py tabs       # the tabs only
    python docs/make_screenshots.py training   # the Training tab only

Needs Chromium + Playwright. Each screenshot is the view without scrolling: the tab's main control and its
result must both be in it.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: app.py, explorer/


from playwright.sync_api import sync_playwright

import app

TABS = {
    "Interpolation": "interpolation-tab.png",
    "Arithmetic": "arithmetic-tab.png",
    "Style mixing": "stylemix-tab.png",
    "BigGAN": "truncation-tab.png",
    "VAE": "manifold-tab.png",
    "GAN theory": "theory-tab.png",
    "GAN lab": "toylab-tab.png",
    "Metrics": "metrics-tab.png",
}
VIEWPORT = {"width": 1280, "height": 720}  # a projector
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
    page.screenshot(path=str(out / "training-tab.png"))
    print("wrote", out / "training-tab.png")


def main(only: str | None = None) -> None:
    demo = app.build_app()
    _, url, _ = app.launch(demo, prevent_thread_lock=True, quiet=True)
    out = Path(os.environ.get("SCREENSHOTS", Path(__file__).parent))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url + "?present=1")
            page.wait_for_selector("#interp-frame img", timeout=120_000)
            for tab, name in TABS.items() if only in (None, "tabs") else ():
                page.get_by_role("tab", name=tab, exact=True).click()
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out / name))
                print("wrote", out / name)
            if only in (None, "training"):
                training(page, out)
            browser.close()
    finally:
        demo.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)  # "training": only the Training tab
