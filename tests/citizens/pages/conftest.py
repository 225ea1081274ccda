"""Browser fixtures shared with the case pages (Debian's Chromium through Playwright)."""

from tests.cases.pages.conftest import browser, new_page, screens  # noqa: F401
