"""The API reference page (`/api/v1/docs`, served with the console): vendored Swagger UI and a
static start-up script; in headless Chromium it starts under the CSP and lists every operation
of the OpenAPI document."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import chromium_path
from tests.web.test_browser import LAUNCH_ARGS


def test_docs_page_is_served_from_vendored_files_without_inline_script(client):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    assert 'data-spec="/api/v1/openapi.json"' in r.text
    scripts = re.findall(r"<script([^>]*)>", r.text)
    assert [re.search(r'src="(/static/[^"?]+)', s).group(1) for s in scripts] == [
        "/static/vendor/swagger-ui-bundle.js",
        "/static/api-docs.js",
    ]  # no inline script (the CSP allows none) and nothing from another host
    assert "https://" not in r.text
    assert client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200


def test_docs_page_without_the_vendored_files_names_the_document(client, monkeypatch):
    monkeypatch.setattr("linkstar.web.pages.api_docs.swagger_available", lambda: False)
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    assert '<a href="/api/v1/openapi.json">' in r.text
    assert "<script" not in r.text


@pytest.mark.browser
def test_swagger_ui_shows_the_operations_with_no_csp_violation(live_server, client):
    from playwright.sync_api import sync_playwright

    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{live_server}/api/v1/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            shown = page.locator(".opblock-summary-path").all_inner_texts()
            # Swagger UI renders as the reader scrolls: the first operations are enough here
            assert "/api/v1/me" in shown
            assert {s.replace("\u200b", "") for s in shown} <= paths
            assert page.locator(".info .title").inner_text().startswith("LinkStar API")
            assert [e for e in errors if "Content Security Policy" in e] == []
        finally:
            browser.close()
