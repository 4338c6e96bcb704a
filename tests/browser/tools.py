"""Helpers for the browser tests: Debian Chromium, axe-core and the Nu HTML Checker.

The external tools are installed by ``scripts/test-tools.sh``:

* Chromium from Debian at ``/usr/bin/chromium`` (never ``playwright install``);
* ``axe-core`` and ``vnu-jar`` (pinned) under ``.tools/node_modules`` in the
  project root; ``vnu.jar`` runs on the system ``java`` (17+).

All paths are resolved from the project root (the parent of ``tests/``), not
from the current working directory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[2]
TOOLS_DIR = ROOT / ".tools"
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = TOOLS_DIR / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = TOOLS_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL_HINT = "run scripts/test-tools.sh"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

_HTML_TRIM = 300  # max characters of a node's outerHTML kept in a violation


def launch(playwright, **kwargs):
    """Launch the Debian Chromium headless; returns a Playwright ``Browser``.

    Extra keyword arguments go to ``playwright.chromium.launch`` (e.g. ``slow_mo``).
    """
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} not found; {INSTALL_HINT}")
    options: dict[str, Any] = {
        "executable_path": str(CHROMIUM),
        "args": list(CHROMIUM_ARGS),
        "headless": True,
    }
    options.update(kwargs)
    return playwright.chromium.launch(**options)


# --------------------------------------------------------------------------- axe


@lru_cache(maxsize=1)
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} not found; {INSTALL_HINT}")
    return AXE_JS.read_text(encoding="utf-8")


# How axe-core gets into a page served with a strict CSP
# (``script-src 'self'``, no 'unsafe-inline'/'unsafe-eval'), as the app sends:
#
# * ``page.add_script_tag(content=...)`` inserts an inline <script>; Chromium
#   blocks it under that CSP (verified: "Refused to execute inline script").
# * ``page.evaluate(source)`` works WITHOUT any context option (verified): it
#   goes through the DevTools protocol (Runtime.evaluate), which the page's
#   CSP does not govern, and axe-core itself needs no eval at run time.
# * ``browser.new_context(bypass_csp=True)`` + add_script_tag also works, but it
#   switches off the CSP for the whole page, so the tests would no longer notice
#   a CSP violation by the app itself. Hence page.evaluate is used here, and the
#   tests can keep the real CSP enforced.
#
# The raw source is evaluated as a script (Runtime.evaluate); its UMD wrapper
# ``"object"==typeof window?window:this`` then defines ``window.axe``. It is
# injected once per document (a full navigation clears it; htmx swaps do not).

_AXE_RUN = """
async ({tags, htmlTrim}) => {
  const results = await window.axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return results.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target,
      html: (n.html || '').length > htmlTrim
        ? n.html.slice(0, htmlTrim) + '…' : (n.html || ''),
      failureSummary: n.failureSummary || '',
    })),
  }));
}
"""


def inject_axe(page) -> None:
    """Make ``window.axe`` available in ``page`` (no-op if already there).

    Uses ``page.evaluate`` with the script source: that runs via the DevTools
    protocol and is not subject to the page's Content-Security-Policy.
    """
    if page.evaluate("() => typeof window.axe") == "object":
        return
    # Playwright evaluates a string that does not look like a function as-is.
    page.evaluate(_axe_source())
    kind = page.evaluate("() => typeof window.axe")
    if kind != "object":
        raise RuntimeError(f"axe-core injection failed (typeof window.axe = {kind!r})")


def axe_violations(page, tags: Iterable[str] = AXE_TAGS) -> list[dict[str, Any]]:
    """Run axe-core on the current document of ``page``; return its violations.

    Each violation: ``{"id", "impact", "help", "helpUrl", "nodes": [{"target",
    "html" (trimmed), "failureSummary"}]}``. An empty list means no violations
    for the given WCAG ``tags``.
    """
    inject_axe(page)
    return page.evaluate(_AXE_RUN, {"tags": list(tags), "htmlTrim": _HTML_TRIM})


def format_violations(violations: list[Mapping[str, Any]]) -> str:
    """Readable multi-line report of ``axe_violations`` output (for assert messages)."""
    if not violations:
        return "no axe violations"
    lines = [f"{len(violations)} axe violation(s):"]
    for v in violations:
        lines.append(f"- [{v.get('impact') or '?'}] {v['id']}: {v.get('help', '')}")
        if v.get("helpUrl"):
            lines.append(f"    {v['helpUrl']}")
        for n in v.get("nodes", []):
            target = n.get("target")
            if isinstance(target, (list, tuple)):
                target = " ".join(
                    " >> ".join(t) if isinstance(t, (list, tuple)) else str(t) for t in target
                )
            lines.append(f"    at {target}")
            if n.get("html"):
                lines.append(f"       {n['html']}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- vnu


def _vnu_message(m: Mapping[str, Any]) -> str:
    line = m.get("lastLine") or m.get("firstLine")
    col = m.get("firstColumn") or m.get("lastColumn")
    where = f"line {line}" + (f", col {col}" if col else "") if line else ""
    text = m.get("message", "").strip()
    if m.get("type") == "non-document-error":
        text = f"[vnu] {text}"
    extract = (m.get("extract") or "").strip().replace("\n", "↩")
    out = f"{where}: {text}" if where else text
    if extract:
        out += f"  «{extract}»"
    return out


def vnu_errors(documents: Mapping[str, str], timeout: float = 300) -> dict[str, list[str]]:
    """Validate HTML documents with the Nu HTML Checker in ONE java run.

    ``documents`` maps a name (anything; used only as the result key) to the
    HTML source. Returns ``{name: [error message, ...]}`` with a key for every
    document (an empty list = valid). Only errors count (``--errors-only``:
    no info messages, no warnings); checker failures on a document
    ("non-document-error") are reported as errors of that document.
    """
    if not documents:
        return {}
    if not VNU_JAR.exists():
        raise FileNotFoundError(f"{VNU_JAR} not found; {INSTALL_HINT}")
    java = shutil.which("java")
    if java is None:
        raise FileNotFoundError("java not found (vnu.jar needs Java 17+)")

    names = list(documents)
    result: dict[str, list[str]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="carnet-vnu-") as tmp:
        tmpdir = Path(tmp).resolve()
        by_path: dict[Path, str] = {}
        for i, name in enumerate(names):
            path = tmpdir / f"doc{i:04d}.html"  # names may hold '/', spaces, …
            path.write_text(documents[name], encoding="utf-8")
            by_path[path] = name
        proc = subprocess.run(
            [java, "-Xss1m", "-jar", str(VNU_JAR),
             "--format", "json", "--errors-only", "--no-langdetect", "--asciiquotes",
             "--exit-zero-always",
             *(str(p) for p in by_path)],
            capture_output=True, text=True, timeout=timeout, cwd=tmpdir,
        )
        raw = proc.stderr.strip() or proc.stdout.strip()  # JSON goes to stderr
        try:
            messages = json.loads(raw)["messages"]
        except (ValueError, KeyError) as exc:
            raise RuntimeError(
                f"could not parse vnu output (exit {proc.returncode}):\n"
                f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
            ) from exc

    for m in messages:
        if m.get("type") not in ("error", "non-document-error"):
            continue  # info/warnings (should not appear with --errors-only)
        url = m.get("url", "")
        path = Path(unquote(urlparse(url).path)).resolve() if url else None
        name = by_path.get(path) if path else None
        if name is None:  # not attributable to one document: report on all
            for errs in result.values():
                errs.append(_vnu_message(m))
        else:
            result[name].append(_vnu_message(m))
    return result


def format_vnu_errors(errors: Mapping[str, list[str]]) -> str:
    """Readable multi-line report of ``vnu_errors`` output (documents with errors only)."""
    bad = {name: errs for name, errs in errors.items() if errs}
    if not bad:
        return "no HTML errors"
    lines = []
    for name, errs in bad.items():
        lines.append(f"{name}: {len(errs)} error(s)")
        lines.extend(f"    {e}" for e in errs)
    return "\n".join(lines)


# ----------------------------------------------------------------------- misc


def screenshot(page, path: str | Path, *, full_page: bool = True, **kwargs) -> Path:
    """Save a screenshot of ``page``; creates parent dirs. A relative ``path``
    is taken from the project root. Returns the absolute path."""
    target = Path(path)
    if not target.is_absolute():
        target = ROOT / target
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=full_page, **kwargs)
    return target


def assert_recorded_pages_ok(pages, console_errors):
    """One report for pages recorded as {name: {"violations", "h1", "overflow", "html"}}:
    axe violations, exactly one h1, no horizontal scrolling, no console error, valid HTML."""
    problems = []
    for name, found in pages.items():
        if found["violations"]:
            problems.append(f"{name}: {format_violations(found['violations'])}")
        if len(found["h1"]) != 1:
            problems.append(f"{name}: h1 {found['h1']!r}")
        if found["overflow"] > 0:
            problems.append(f"{name}: {found['overflow']} px of horizontal scrolling at 320 px")
    assert not problems, "\n".join(problems)
    assert not console_errors, f"console errors (CSP?): {console_errors}"
    html_errors = vnu_errors({name: found["html"] for name, found in pages.items()})
    assert not any(html_errors.values()), format_vnu_errors(html_errors)


def record_page(page, path_stem):
    """axe, headings and HTML of the current page, its horizontal overflow at 320 px, and
    screenshots at its width and at 320 px (`path_stem`-1280.png / -320.png); the result is
    what `assert_recorded_pages_ok` reads."""
    page.wait_for_load_state("load")
    found = {"violations": axe_violations(page), "h1": page.locator("h1").all_inner_texts(),
             "html": page.content(), "url": page.url}
    original = page.viewport_size
    screenshot(page, f"{path_stem}-1280.png", caret="initial")
    page.set_viewport_size({"width": 320, "height": 800})
    found["overflow"] = page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, f"{path_stem}-320.png", caret="initial")
    page.set_viewport_size(original)
    return found


def watch(page):
    """Collect a page's console errors (CSP violations show there) and uncaught exceptions."""
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


def tab_to(page, selector, limit=80):
    """Press Tab until the focused element matches `selector` (keyboard-only flows)."""
    import pytest
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{selector} not reached with Tab")


def record_at_widths(page, name, pages, path_prefix, widths=(1280, 320)):
    """axe on the current state (asserted), its HTML kept in `pages` for one vnu run,
    screenshots at each width with no sideways scrolling; the viewport is put back."""
    violations = axe_violations(page)
    assert not violations, f"{name}: {format_violations(violations)}"
    pages[name] = page.content()
    original = page.viewport_size
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
        screenshot(page, f"{path_prefix}{name}-{width}px.png", caret="initial")
        assert not overflow, f"{name} scrolls sideways at {width} px"
    page.set_viewport_size(original)


def open_space_of(page, server, name):
    """Open another person's space from "/espaces" (the spaces one may open)."""
    from playwright.sync_api import expect
    page.goto(server.url("/espaces"))
    page.get_by_role("button", name=f"Ouvrir l’espace de {name}").click()
    expect(page.locator(".notices")).to_contain_text(f"Vous êtes dans l’espace de {name}")


def on_server(server, factory, **arguments):
    """Run `factory` (a function of tests/browser/factories.py, or its name) with `arguments`
    on the browser server's database and storage, in a child process with the server's own
    environment (the same keys, the same clock); returns its result. The arguments and the
    result go through JSON. A failing factory fails the test with its traceback."""
    import pytest

    from .conftest import VENV_BIN
    name = factory if isinstance(factory, str) else factory.__name__
    result = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "tests.browser.factories", name, json.dumps(arguments)],
        cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"factory {name}({arguments}) failed on the server:\n"
                    f"{result.stdout}\n{result.stderr}", pytrace=False)
    return json.loads(result.stdout.splitlines()[-1])
