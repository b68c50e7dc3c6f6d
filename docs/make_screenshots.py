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


def main() -> None:
    demo = app.build_app()
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, css=app.CSS)
    out = Path(__file__).parent
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(url)
            page.wait_for_selector("#interp-frame img", timeout=120_000)
            for tab, name in TABS.items():
                page.get_by_role("tab", name=tab).click()
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out / name), full_page=False)
                print("wrote", out / name)
            browser.close()
    finally:
        demo.close()


if __name__ == "__main__":
    main()
