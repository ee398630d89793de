"""The docs site as a reader sees it: `make docs` output loaded in headless Chromium.

A check page served next to the site opens each page in a same-origin iframe, waits for it to load, and reports what
the browser laid out: visible tables with their header and first-column entries, links, the stylesheets applied.
Chromium (Debian package `chromium`, `make browser-deps`) is required under CI=true; elsewhere the test skips with
the reason when it or the built site is missing.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.helpers.runner import REPO

SITE = REPO / "docs" / "build" / "html"
MODULES = sorted(path.stem for path in (REPO / "plugins" / "modules").glob("*.py") if path.stem != "__init__")
ROLES = sorted(path.name for path in (REPO / "roles").iterdir() if (path / "meta" / "argument_specs.yml").is_file())
PAGES = {
    "modules": "collections/index_module.html",
    "collection": "collections/adcops/netscaler/index.html",
    "lb_vserver": "collections/adcops/netscaler/lb_vserver_module.html",
    "quiet_vip": "collections/adcops/netscaler/quiet_vip_role.html",
    "index": "index.html",
    "playbook_guide": "playbooks/healthchecked_pool.html",
    "role_guide": "roles/healthchecked_pool/README.html",
    "awx": "awx.html",
    "reliability": "reliability.html",
    "performance": "performance.html",
}
PLAYBOOKS = sorted(path.stem for path in (REPO / "playbooks").glob("*.yml"))
GUIDES = sorted(path.stem for path in (REPO / "docs").glob("*.md"))
CHECK_PATH = "/__render_check__.html"
CHECK_PAGE = """<!doctype html><html><body><pre id="result">pending</pre><script>
const PAGES = %s;
function inspect(url) {
  return new Promise(resolve => {
    const frame = document.createElement('iframe');
    frame.style.width = '1280px'; frame.style.height = '1600px';
    frame.onload = () => {
      const d = frame.contentDocument;
      const tables = [...d.querySelectorAll('table')].filter(t => t.offsetHeight > 0 && t.rows.length > 0);
      resolve({
        title: d.title,
        tables: tables.map(t => ({
          height: t.offsetHeight,
          head: t.rows[0].innerText.trim().split(/\\s+/),
          first: [...t.rows].slice(1).map(r => (r.cells[0] ? r.cells[0].innerText.trim().split(/\\s+/)[0] : '')),
        })),
        links: [...d.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
        stylesheets: d.styleSheets.length,
        font: getComputedStyle(d.body).fontFamily,
      });
    };
    frame.src = url;
    document.body.appendChild(frame);
  });
}
(async () => {
  const out = {};
  for (const [name, url] of Object.entries(PAGES)) out[name] = await inspect(url);
  document.getElementById('result').textContent = JSON.stringify(out);
})();
</script></body></html>
"""
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    missing("headless Chromium is not installed: `make browser-deps` (Debian package chromium, needs root and apt)")
    raise AssertionError("unreachable")


class Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == CHECK_PATH:
            body = (CHECK_PAGE % json.dumps({k: "/" + v for k, v in PAGES.items()})).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    if not (SITE / "index.html").is_file():
        missing(f"the docs site is not built: run `make docs` (no {SITE.relative_to(REPO)}/index.html)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def rendered(site_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    browser = chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,1600",
         "--virtual-time-budget=20000", "--dump-dom", site_url + CHECK_PATH],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    found = re.search(r'<pre id="result">(.*?)</pre>', proc.stdout, re.S)
    assert proc.returncode == 0 and found, proc.stdout[-2000:] + proc.stderr[-2000:]
    text = html.unescape(found.group(1))
    assert text != "pending", "the pages did not finish loading in the browser"
    return json.loads(text)


def option_table(page: dict[str, Any]) -> dict[str, Any]:
    tables = [t for t in page["tables"] if t["head"][:2] == ["Parameter", "Comments"]]
    assert tables, page["tables"]
    return tables[0]


def test_every_page_rendered_with_the_theme(rendered: dict[str, Any]) -> None:
    for name, page in rendered.items():
        assert "adcops.netscaler" in page["title"], (name, page["title"])
        assert page["stylesheets"] >= 2, (name, page)  # Sphinx's and the Ansible theme's
        # the theme's font, not the browser's default serif
        assert page["font"].split(",")[0].strip('" ') not in ("Times New Roman", "serif", "DejaVu Serif"), page["font"]


def test_module_index_links_every_module(rendered: dict[str, Any]) -> None:
    links = {link.split("#")[0] for link in rendered["modules"]["links"]}
    assert [m for m in MODULES if f"adcops/netscaler/{m}_module.html" not in links] == [], links


def test_collection_index_links_every_module_and_role(rendered: dict[str, Any]) -> None:
    links = {link.split("#")[0] for link in rendered["collection"]["links"]}
    assert [m for m in MODULES if f"{m}_module.html" not in links] == []
    assert [r for r in ROLES if f"{r}_role.html" not in links] == []


def test_module_page_has_its_option_and_return_tables(rendered: dict[str, Any]) -> None:
    page = rendered["lb_vserver"]
    options = option_table(page)
    assert options["height"] > 200, options
    for option in ("name", "ipv46", "port", "servicetype", "services", "nsip", "nitro_pass", "validate_certs"):
        assert option in options["first"], (option, options["first"])
    returns = [t for t in page["tables"] if t["head"][:2] == ["Key", "Description"]]
    assert returns and "lbvserver" in returns[0]["first"], page["tables"]


def test_role_page_has_its_option_table(rendered: dict[str, Any]) -> None:
    options = option_table(rendered["quiet_vip"])
    for option in ("quiet_vip_vservers", "quiet_vip_icmpresponse", "netscaler_nsip"):
        assert option in options["first"], (option, options["first"])


def test_index_leads_with_the_use_cases_and_links_every_guide(rendered: dict[str, Any]) -> None:
    links = {link.split("#")[0] for link in rendered["index"]["links"]}
    assert [p for p in PLAYBOOKS if f"playbooks/{p}.html" not in links] == [], links
    assert [r for r in ROLES if f"roles/{r}/README.html" not in links] == [], links
    assert [g for g in GUIDES if f"{g}.html" not in links] == [], links


def test_guide_pages_render_their_tables(rendered: dict[str, Any]) -> None:
    # the role guide is the role's README: its step table (step, module) laid out by the browser
    steps = [t for t in rendered["role_guide"]["tables"] if t["head"][:2] == ["Step", "Module"]]
    assert steps and steps[0]["height"] > 50, rendered["role_guide"]["tables"]
    # the playbook guide links its role guide and the AWX page
    links = {link.split("#")[0] for link in rendered["playbook_guide"]["links"]}
    assert {"../roles/healthchecked_pool/README.html", "../awx.html"} <= links, links
    assert rendered["awx"]["tables"] and rendered["reliability"]["tables"], (rendered["awx"], rendered["reliability"])
