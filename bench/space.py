"""A Space's cold start and first views, timed (``bench/space.sh`` builds the environment and calls this).

The upload's files are copied into an empty folder and started as a Space starts them (``tests/test_space_run.py``'s
environment, with Fashion-MNIST as ``packages.txt`` gives it) under ``--python``; Chromium opens the page at once.
Cold start = process start → the Interpolation tab's first image loaded in the page; then each tab's and section's
first view (click → nothing pending), as in the Space-run test.

    python bench/space.py --python /tmp/space-venv/bin/python
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_space_run import (  # noqa: E402  (the repository's root first, for tests/)
    CHROMIUM,
    VIEW_S,
    copy_upload,
    first_views,
    free_port,
    open_page,
    space_env,
    start_space,
    stop_space,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the Space environment's Python")
    parser.add_argument("--no-data", action="store_true", help="without Fashion-MNIST (a Space before packages.txt)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS

    with sync_playwright() as p:
        folder = Path(tempfile.mkdtemp(prefix="space-bench-"))  # kept: the app's log is folder/app.log
        files = copy_upload(ROOT, folder / "app")
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        env = space_env(folder / "app", folder, free_port(), not args.no_data)
        space = start_space(folder / "app", env, folder / "app.log", not args.no_data, python=args.python)
        try:
            page = open_page(browser, space.url)
            page.wait_for_function(
                "() => document.querySelector('#interp-frame img')?.naturalWidth > 0", timeout=VIEW_S * 1000
            )
            cold = time.monotonic() - space.started
            print(f"page served after {space.started_s:.1f} s; first image after {cold:.1f} s (cold start)", flush=True)
            views = first_views(page)
        except Exception:
            print(f"the app's log: {folder / 'app.log'}")
            raise
        finally:
            stop_space(space)
            browser.close()
    numbers = {
        "upload": {"files": len(files)},
        "served_s": round(space.started_s, 1),
        "cold_start_s": round(cold, 1),
        "first_views_s": {name: round(view["seconds"], 2) for name, view in views.items()},
        "errors": {name: view["problems"] for name, view in views.items() if view["problems"]},
    }
    for name, seconds in numbers["first_views_s"].items():
        print(f"  {name:40s} {seconds:6.2f} s")
    print(f"errors: {numbers['errors'] or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=1))


if __name__ == "__main__":
    main()
