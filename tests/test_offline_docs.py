"""Data Docs open offline: `supportwh gates` rewrites GX's CDN assets to the
copies vendored in `expectations/vendor/` (expectations/offline_docs.py).

The real check renders the pages in headless Chromium with every host name
unresolvable: bootstrap-table's JavaScript must build the validation table of
index.html (its `<tr data-index=...>` rows; with the CDN URLs the table stays
empty and the console says `$ is not defined`), and no console message may be
printed. Chromium is a test dependency: Debian's `chromium` package.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from chromium_cdp import HEADLESS, chromium
from conftest import supportwh

from expectations.offline_docs import VENDOR_DIR

pytestmark = pytest.mark.slow

REMOTE = re.compile(r"^(?:https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)""")
# bootstrap-table's rendered rows:
# <tr class="clickable-row" data-href="validations/..." data-index="0">
VALIDATION_ROW = re.compile(
    r"<tr\b(?=[^>]*\bdata-index=\"\d+\")[^>]*\bdata-href=\"(validations/[^\"]+)\""
)
TABLE_ROW = re.compile(r"<tr\b[^>]*\bdata-index=\"\d+\"")


class _Assets(HTMLParser):
    """Every asset URL of a page: script src, link href, img/source/iframe src,
    and url(...) in inline <style> and style attributes. Anchors are not assets."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "source", "iframe", "embed") and attrs.get("src"):
            self.urls.append((tag, attrs["src"]))
        if tag == "link" and attrs.get("href"):
            self.urls.append((tag, attrs["href"]))
        if attrs.get("style"):
            self.urls += [("style", u) for u in CSS_URL.findall(attrs["style"])]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += [("style", u) for u in CSS_URL.findall(data)]


def _assets(page: Path) -> list[tuple[str, str]]:
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.urls


@pytest.fixture(scope="module")
def data_docs(alert_warehouses, tmp_path_factory) -> Path:
    """Two `supportwh gates` runs (two weeks, as in test_gates) into one results
    folder, on a copy of the warehouse (gates append to gates.gate_results): the
    second run's GX rebuild of index.html must come out offline too, next to the
    first run's pages, rewritten already."""
    results = tmp_path_factory.mktemp("offline_gates")
    db = results / "warehouse.duckdb"
    shutil.copy(alert_warehouses["all"].duckdb_path, db)
    for week in ([], ["--week", "2026-02-16"]):
        run = supportwh(
            "gates", "--duckdb-path", str(db), "--results-dir", str(results), *week, check=False
        )
        assert run.returncode in (0, 3), run.stdout[-2000:] + run.stderr[-2000:]
    docs = results / "data_docs"
    assert (docs / "index.html").exists()
    return docs


def _pages(docs: Path) -> list[Path]:
    pages = sorted(docs.rglob("*.html"))
    assert pages
    return pages


def _validation_pages(docs: Path) -> list[Path]:
    return sorted((docs / "validations").rglob("*.html"))


def test_no_asset_left_on_a_cdn(data_docs):
    remote = {
        f"{page.relative_to(data_docs)}: <{tag}> {url}"
        for page in _pages(data_docs)
        for tag, url in _assets(page)
        if REMOTE.match(url)
    }
    assert not remote, "assets still loaded from the internet:\n" + "\n".join(sorted(remote))
    # What may stay: plain links to greatexpectations.io.
    for page in _pages(data_docs):
        for url in re.findall(r"https?://[^\s\"'<>)]+", page.read_text(encoding="utf-8")):
            assert url.startswith("https://greatexpectations.io"), (page, url)


def test_rewritten_paths_exist(data_docs):
    vendored = logos = 0
    for page in _pages(data_docs):
        for tag, url in _assets(page):
            if "static/vendor/" not in url and "static/images/logo-long.png" not in url:
                continue  # GX's own relative links (favicon...) are not ours
            assert not url.startswith("/"), (page, url)
            target = (page.parent / url.split("?")[0]).resolve()
            assert target.is_file(), f"{page.relative_to(data_docs)}: <{tag}> {url} is missing"
            assert data_docs.resolve() in target.parents, (page, url)
            vendored += "static/vendor/" in url
            logos += "logo-long.png" in url
    assert vendored >= 15 * len(_pages(data_docs)), vendored
    assert logos >= len(_pages(data_docs)), logos
    # The whole vendor folder is copied (licenses too), byte for byte.
    for source in VENDOR_DIR.rglob("*"):
        if source.is_file():
            copy = data_docs / "static" / "vendor" / source.relative_to(VENDOR_DIR)
            assert copy.read_bytes() == source.read_bytes(), copy
    # Font Awesome's css reaches its woff2 fonts (the .ttf fallbacks are not vendored).
    css = data_docs / "static/vendor/fontawesome-free/css/all.min.css"
    fonts = {u for u in CSS_URL.findall(css.read_text()) if u.endswith(".woff2")}
    assert len(fonts) == 4
    assert all((css.parent / u).is_file() for u in fonts), fonts


def _render(page: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """The DOM after 5 s of virtual time, and the page's console messages; every
    host name is unresolvable, so nothing can come from the internet."""
    profile = tmp_path / f"profile-{page.stem}"
    result = subprocess.run(
        [
            chromium(),
            *HEADLESS,
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console


def test_index_renders_the_validation_table(data_docs, tmp_path):
    source = (data_docs / "index.html").read_text(encoding="utf-8")
    assert not TABLE_ROW.search(source)  # the rows are JavaScript's, not GX's HTML
    dom, console = _render(data_docs / "index.html", tmp_path)
    assert not console, "console messages:\n" + "\n".join(console)
    rows = VALIDATION_ROW.findall(dom)
    expected = {p.relative_to(data_docs).as_posix() for p in _validation_pages(data_docs)}
    assert len(expected) == 10  # 5 suites x 2 runs
    assert set(rows) == expected, (sorted(rows), sorted(expected))
    assert len(rows) == len(expected)
    assert "Showing 1 to 10 of 10 rows" in dom


def test_a_validation_page_renders(data_docs, tmp_path):
    page = _validation_pages(data_docs)[0]
    dom, console = _render(page, tmp_path)
    assert not console, "console messages:\n" + "\n".join(console)
    assert TABLE_ROW.search(dom), "no bootstrap-table row rendered on " + str(page)
    assert "Expectation Validation Result" in dom
