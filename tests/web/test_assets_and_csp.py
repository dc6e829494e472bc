"""Static files, the vendored HTMX, and pages that the strict CSP can run as they are."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from linkstar.web import assets
from tests.conftest import REQUIRE_SERVICES
from tests.web.cases import CASES

REPO = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\s on[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/console.css", "text/css"),
        ("/static/console.js", "text/javascript"),
        ("/static/favicon.svg", "image/svg+xml"),
    ],
)
def test_static_files_have_their_content_types(client, path, content_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_vendored_htmx_is_served_when_installed(client):
    if not assets.htmx_available():
        reason = "HTMX not installed: run `python -m linkstar.web.assets` (make assets)"
        if REQUIRE_SERVICES:
            pytest.fail(reason)
        pytest.skip(reason)
    response = client.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "htmx" in response.text[:2000]


def test_pages_work_without_the_vendor_file(owner, monkeypatch, tmp_path):
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "missing")
    html = owner.get("/settings/api-keys").text
    assert "vendor/htmx" not in html
    assert 'src="/static/console.js' in html


def test_asset_manifest_pins_exact_versions():
    manifest = json.loads((assets.ASSETS_DIR / "package.json").read_text())
    lock = json.loads((assets.ASSETS_DIR / "package-lock.json").read_text())
    for name, version in manifest["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly"
        locked = lock["packages"][f"node_modules/{name}"]
        assert locked["version"] == version and locked["integrity"].startswith("sha512-")
    ignored = (REPO / ".gitignore").read_text().split()
    assert "node_modules/" in ignored and "src/linkstar/web/static/vendor/" in ignored


def test_install_runs_npm_ci_and_copies_the_files(monkeypatch, tmp_path):
    fake_npm = tmp_path / "bin" / "npm"
    fake_npm.parent.mkdir()
    fake_npm.write_text(
        "#!/bin/sh\n"
        'echo "$@" > "$3/args"\n'
        'mkdir -p "$3/node_modules/htmx.org/dist"\n'
        'echo "var htmx = {};" > "$3/node_modules/htmx.org/dist/htmx.min.js"\n'
        'mkdir -p "$3/node_modules/swagger-ui-dist"\n'
        'echo "var SwaggerUIBundle;" > "$3/node_modules/swagger-ui-dist/swagger-ui-bundle.js"\n'
        'echo ".swagger-ui {}" > "$3/node_modules/swagger-ui-dist/swagger-ui.css"\n'
    )
    fake_npm.chmod(fake_npm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(assets, "ASSETS_DIR", tmp_path / "assets")
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "static" / "vendor")
    (tmp_path / "assets").mkdir()
    copied = assets.install(str(fake_npm))
    vendor = tmp_path / "static" / "vendor"
    assert copied == [vendor / n for n in ("htmx.min.js", "swagger-ui-bundle.js", "swagger-ui.css")]
    assert copied[0].read_text().startswith("var htmx")
    args = (tmp_path / "assets" / "args").read_text().split()
    assert args == ["ci", "--prefix", str(tmp_path / "assets"), "--no-audit", "--no-fund",
                    "--ignore-scripts"]  # fmt: skip
    with pytest.raises(assets.AssetInstallError, match="not found"):
        assets.install(str(tmp_path / "no-such-npm"))


def test_console_pages_need_no_inline_code(owner, seeded):
    """Nothing the CSP (script-src 'self'; style-src 'self') would block."""
    for (method, template), case in CASES.items():
        if method != "GET" or case.is_auth:
            continue
        response = owner.get(case.path(seeded))
        if response.status_code == 303:
            continue
        assert response.status_code == 200, template
        html = response.text
        assert "content-security-policy" in response.headers
        assert not INLINE_SCRIPT.search(html), template
        assert "<style" not in html.lower(), template
        assert " style=" not in html.lower(), template
        assert not EVENT_HANDLER.search(html), template
        assert "javascript:" not in html.lower(), template
    login = owner.client.get("/login", follow_redirects=False)
    assert login.status_code == 303


def test_htmx_is_configured_for_the_csp(owner):
    html = owner.get("/").text
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html).group(1)
    values = json.loads(config.replace("&#34;", '"'))
    assert values["includeIndicatorStyles"] is False
    assert values["allowEval"] is False
    assert values["historyCacheSize"] == 0  # no page (or secret) copies in localStorage
    headers = re.search(r"<body hx-headers='([^']+)'>", html).group(1)
    assert json.loads(headers) == {"X-CSRF-Token": owner.csrf}


def test_error_pages_are_html_for_the_console_and_json_for_the_api(owner, client):
    page = owner.get("/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/json"
    assert api.json()["error"]["code"] == "not_found"
