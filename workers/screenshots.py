"""`parvis screenshots`: pictures of the main pages for the README, taken with Chromium (Playwright)."""
import os
import shutil
from pathlib import Path

PAGES = [
    ("inbox", "/", None),
    ("inbox-moderation", "/?view=moderation", None),
    ("conversation", None, None),  # the first conversation of the list
    ("stats", "/stats/", None),
    ("rules", "/admin/rules", None),
]
PHONE_PAGES = [("inbox-phone", "/"), ("conversation-phone", None)]
FULL_PAGE = ("conversation", "conversation-phone", "stats", "rules")


def take_screenshots(base_url: str, email: str, password: str, out_dir: Path,
                     chromium: str | None = None) -> list[Path]:
    """Sign in and save a PNG of each main page (desktop and phone); returns the files written."""
    from playwright.sync_api import sync_playwright

    executable = chromium or os.environ.get("PARVIS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--headless", "--no-sandbox"])
        try:
            return screenshots_with(browser, base_url, email, password, out_dir)
        finally:
            browser.close()


def screenshots_with(browser, base_url: str, email: str, password: str, out_dir: Path) -> list[Path]:
    """Take the screenshots with an already running Playwright browser."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    phone_pages = [(name, path, None) for name, path in PHONE_PAGES]
    for viewport, pages in (({"width": 1366, "height": 900}, PAGES), ({"width": 390, "height": 844}, phone_pages)):
        context = browser.new_context(viewport=viewport, locale="fr-FR")
        page = context.new_page()
        page.goto(f"{base_url}/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base_url}/")
        first = page.locator("tr.conversation-row a.open").first.get_attribute("href")
        for name, path, _ in pages:
            page.goto(base_url + (path or first))
            page.wait_for_selector("html[data-ready]", state="attached")
            target = out_dir / f"{name}.png"
            page.screenshot(path=str(target), full_page=name in FULL_PAGE)
            written.append(target)
        context.close()
    return written
