"""Data Docs that open without internet: vendored CSS/JS instead of the CDNs.

GX's Data Docs pages load jQuery, Bootstrap, bootstrap-table, popper, Font
Awesome, bootstrap-datepicker, Vega and bootstrap-dark from CDNs, and their
logo from an S3 bucket. Offline, the pages open unstyled and the validation
tables (built by bootstrap-table's JavaScript) stay empty.
`make_data_docs_offline` copies `expectations/vendor/` (the minified dist
files from npm, with their licenses; versions in `vendor/VERSIONS.md`) to
`<data_docs>/static/vendor/` and rewrites every CDN URL of every page to a
path relative to that page; the S3 logos become the site's own
`static/images/logo-long.png`. Plain links (greatexpectations.io) are left
alone. It is idempotent: a rewritten page has nothing left to rewrite.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
VENDOR_TARGET = Path("static") / "vendor"
LOGO = Path("static") / "images" / "logo-long.png"

# (pattern of the CDN URL GX writes, file under vendor/). The patterns are
# anchored on the package and file, not on the exact version GX pins, so a
# GX patch release that bumps a pin still lands on the vendored copy.
CDN_FILES: list[tuple[str, str]] = [
    (r"https?://code\.jquery\.com/jquery-3\.[\d.]+\.min\.js", "jquery/jquery.min.js"),
    (
        r"https?://(?:maxcdn|stackpath)\.bootstrapcdn\.com/bootstrap/4\.[\d.]+/css/bootstrap\.min\.css",
        "bootstrap/css/bootstrap.min.css",
    ),
    (
        r"https?://(?:maxcdn|stackpath)\.bootstrapcdn\.com/bootstrap/4\.[\d.]+/js/bootstrap\.min\.js",
        "bootstrap/js/bootstrap.min.js",
    ),
    (
        r"https?://unpkg\.com/bootstrap-table@[\d.]+/dist/extensions/filter-control/"
        r"bootstrap-table-filter-control(?:\.min)?\.css",
        "bootstrap-table/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    (
        r"https?://unpkg\.com/bootstrap-table@[\d.]+/dist/extensions/filter-control/"
        r"bootstrap-table-filter-control(?:\.min)?\.js",
        "bootstrap-table/extensions/filter-control/bootstrap-table-filter-control.min.js",
    ),
    (
        r"https?://unpkg\.com/bootstrap-table@[\d.]+/dist/bootstrap-table(?:\.min)?\.css",
        "bootstrap-table/bootstrap-table.min.css",
    ),
    (
        r"https?://unpkg\.com/bootstrap-table@[\d.]+/dist/bootstrap-table(?:\.min)?\.js",
        "bootstrap-table/bootstrap-table.min.js",
    ),
    (
        r"https?://cdnjs\.cloudflare\.com/ajax/libs/popper\.js/[\d.]+/umd/popper\.min\.js",
        "popper.js/umd/popper.min.js",
    ),
    (
        r"https?://cdnjs\.cloudflare\.com/ajax/libs/font-awesome/6\.[\d.]+/css/all\.min\.css",
        "fontawesome-free/css/all.min.css",
    ),
    (
        r"https?://cdnjs\.cloudflare\.com/ajax/libs/bootstrap-datepicker/[\d.]+/css/"
        r"bootstrap-datepicker\.min\.css",
        "bootstrap-datepicker/css/bootstrap-datepicker.min.css",
    ),
    (
        r"https?://cdnjs\.cloudflare\.com/ajax/libs/bootstrap-datepicker/[\d.]+/js/"
        r"bootstrap-datepicker\.min\.js",
        "bootstrap-datepicker/js/bootstrap-datepicker.min.js",
    ),
    (r"https?://cdn\.jsdelivr\.net/npm/vega@5(?:[\d.]*)?(?=[\"'])", "vega/vega.min.js"),
    (
        r"https?://cdn\.jsdelivr\.net/npm/vega-lite@5(?:[\d.]*)?(?=[\"'])",
        "vega-lite/vega-lite.min.js",
    ),
    (
        r"https?://cdn\.jsdelivr\.net/npm/vega-embed@6(?:[\d.]*)?(?=[\"'])",
        "vega-embed/vega-embed.min.js",
    ),
    (
        r"https?://cdn\.jsdelivr\.net/npm/@forevolve/bootstrap-dark@1\.[\d.]+/dist/css/"
        r"bootstrap-prefers-dark(?:\.min)?\.css",
        "bootstrap-dark/css/bootstrap-prefers-dark.min.css",
    ),
]
# GX's logos (the <img> of the navbar, with a tracking query string, and the
# dark-mode background of the same navbar in the inline CSS).
LOGO_URL = re.compile(
    r"https?://great-expectations-web-assets\.s3\.[\w.-]+\.amazonaws\.com/"
    r"(?:logo-long|full_logo_dark)\.png(?:\?[^\"')\s]*)?"
)
_CDN = [(re.compile(pattern), target) for pattern, target in CDN_FILES]


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


_TAG = re.compile(r"<(?:script|link|img)\b[^>]*>", re.IGNORECASE)
# Subresource-integrity attributes: `crossorigin` turns the load of a file://
# page's script into a CORS request, which Chromium blocks ("Cross origin
# requests are only supported for protocol schemes ..."), and the hashes are
# the CDN's; a vendored file is checked by VERSIONS.md, not by the page.
_SRI = re.compile(r"""\s+(?:integrity|crossorigin)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""")


def rewrite_page(html: str, page: Path, data_docs_dir: Path) -> tuple[str, int]:
    """The page with every CDN/S3 asset URL made relative; (text, substitutions)."""
    count = 0

    def tag(match: re.Match) -> str:
        nonlocal count
        text = match.group(0)
        for pattern, target in _CDN:
            local = _relative(data_docs_dir / VENDOR_TARGET / target, page)
            text, n = pattern.subn(local, text)
            if n:
                count += n
                text = _SRI.sub("", text)
        return text

    html = _TAG.sub(tag, html)
    # The logos: the <img> and the dark-mode background in the inline CSS.
    html, n = LOGO_URL.subn(_relative(data_docs_dir / LOGO, page), html)
    return html, count + n


def make_data_docs_offline(data_docs_dir: Path | str) -> int:
    """Vendor the assets into `<data_docs>/static/vendor/` and point every page at
    them. Returns the number of URLs rewritten (0 on an already offline site)."""
    data_docs_dir = Path(data_docs_dir).resolve()
    if not data_docs_dir.is_dir():
        return 0
    shutil.copytree(
        VENDOR_DIR,
        data_docs_dir / VENDOR_TARGET,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    total = 0
    for page in sorted(data_docs_dir.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        rewritten, n = rewrite_page(html, page, data_docs_dir)
        if n:
            page.write_text(rewritten, encoding="utf-8")
            total += n
    return total
