"""Front-end packages: installed from the npm registry at set-up time, never from a CDN.

`python -m linkstar.web.assets` runs `npm ci` on web/assets/package.json (exact versions,
package-lock.json committed) and copies the files the console serves into web/static/vendor/
(git-ignored). Pages work without them; HTMX only enhances plain forms and links.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
WEB_DIR = ASSETS_DIR.parent
STATIC_DIR = WEB_DIR / "static"
VENDOR_DIR = STATIC_DIR / "vendor"

# node_modules path → file name under static/vendor/
VENDOR_FILES: dict[str, str] = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css": "swagger-ui.css",
}
HTMX_FILE = "htmx.min.js"
# the API's reference page (web/pages/api_docs.py)
SWAGGER_FILES = tuple(name for name in VENDOR_FILES.values() if name.startswith("swagger-"))


class AssetInstallError(RuntimeError):
    """npm is missing or failed, or a package did not contain the expected file."""


def htmx_available() -> bool:
    """True when the vendored HTMX file has been installed."""
    return (VENDOR_DIR / HTMX_FILE).is_file()


def swagger_available() -> bool:
    """True when the vendored Swagger UI files have been installed."""
    return all((VENDOR_DIR / name).is_file() for name in SWAGGER_FILES)


def install(npm: str = "npm", *, quiet: bool = False) -> list[Path]:
    """Install the pinned packages with `npm ci` and copy the served files into static/vendor."""
    executable = shutil.which(npm)
    if executable is None:
        raise AssetInstallError(
            f"{npm} not found: install Node.js (npm) to set up the console assets"
        )
    # No package's install script runs: the files are copied as published (swagger-ui-dist
    # pulls in a telemetry package whose install script would call home).
    command = [executable, "ci", "--prefix", str(ASSETS_DIR), "--no-audit", "--no-fund",
               "--ignore-scripts"]  # fmt: skip
    if quiet:
        command.append("--silent")
    result = subprocess.run(command, check=False)  # noqa: S603 - fixed arguments, no shell
    if result.returncode != 0:
        raise AssetInstallError(f"npm ci failed with exit code {result.returncode}")
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    copied = []
    for source, name in VENDOR_FILES.items():
        path = ASSETS_DIR / "node_modules" / source
        if not path.is_file():
            raise AssetInstallError(f"{source} is missing after npm ci")
        target = VENDOR_DIR / name
        shutil.copyfile(path, target)
        copied.append(target)
    return copied


def main() -> int:
    """Command-line entry: install the assets and say where they went."""
    try:
        copied = install()
    except AssetInstallError as exc:
        print(f"console assets: {exc}", file=sys.stderr)
        return 1
    for path in copied:
        print(f"console assets: {path.relative_to(WEB_DIR.parent.parent.parent)}")
    return 0
