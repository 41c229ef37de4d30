"""Screenshots of the public pages for the README, at phone and desktop widths.

Run against the demo site (`make run` in another terminal), with the dev dependencies:
    .venv/bin/python docs/screenshots/take.py
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = "http://127.0.0.1:8000"
PAGES = {
    "front": "/",
    "brief": "/briefs/sanctions-evasion-at-sea-tracking-the-shadow-fleet/",
    "issue": "/issues/iran/",
    "expert": "/experts/halvard-rennick/",
}
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    for width_name, (width, height) in WIDTHS.items():
        page = browser.new_page(viewport={"width": width, "height": height})
        for name, path in PAGES.items():
            page.goto(BASE + path)
            target = Path(__file__).parent / f"{name}-{width_name}.png"
            page.screenshot(path=target, full_page=True)
        page.close()
    browser.close()
