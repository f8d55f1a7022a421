"""Open the built book in headless Chromium with the network cut off and check what renders.

Used by ``tests/test_book.py`` and runnable by hand:
``python -m melodyreg.report.browser _build/html screenshots/``. Chromium is the
system's (Debian ``chromium``), driven by Playwright; no browser is downloaded.
Every request that is not a local file is blocked and reported as a failure.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@dataclass
class PageReport:
    """What one page showed."""

    page: str
    console_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    charts: int = 0
    charts_drawn: int = 0
    audio: int = 0
    audio_durations: list[float] = field(default_factory=list)
    math: int = 0
    math_typeset: int = 0
    noise: list[str] = field(default_factory=list)
    numbered: int = 0
    code_shown: int = 0

    @property
    def problems(self) -> list[str]:
        found = [f"console error: {e}" for e in self.console_errors]
        found += [f"network request: {u}" for u in self.blocked_requests]
        if self.charts_drawn < self.charts:
            found.append(f"{self.charts - self.charts_drawn} of {self.charts} charts not drawn")
        found += [f"audio {i} has no duration" for i, d in enumerate(self.audio_durations) if not d > 0]
        if self.math_typeset < self.math:
            found.append(f"{self.math - self.math_typeset} of {self.math} formulas not typeset")
        found += [f"log noise in an output: {text}" for text in self.noise]
        if self.code_shown:
            found.append(f"{self.code_shown} code cells shown unfolded")
        return found


# Outputs that should never reach a page: warnings, tracebacks, anything written to stderr.
NOISE_SCRIPT = """() => {
  const found = [];
  for (const out of document.querySelectorAll('.cell_output, .output')) {
    const text = out.textContent;
    for (const word of ['WARNING', 'Traceback']) {
      const at = text.indexOf(word);
      if (at >= 0) found.push(text.slice(at, at + 120).replace(/\\s+/g, ' '));
    }
  }
  for (const err of document.querySelectorAll('.stderr, .output.error')) {
    found.push('stderr: ' + err.textContent.slice(0, 120).replace(/\\s+/g, ' '));
  }
  return [...new Set(found)];
}"""


def chromium_path() -> str:
    """The system Chromium binary.

    Raises:
        FileNotFoundError: none installed (``apt-get install chromium``).
    """
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise FileNotFoundError("no Chromium found; install Debian's `chromium` package")


def _wait(page, condition: str, timeout_ms: int) -> None:
    """Wait for a JavaScript condition; a timeout is not an error here, the counts tell."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(condition, timeout=timeout_ms)
    except PlaywrightTimeout:
        pass


def check_pages(html_dir: Path, screenshots: Path | None = None, timeout_ms: int = 20_000) -> list[PageReport]:
    """Load every chapter page of a built book offline and report what rendered."""
    from playwright.sync_api import sync_playwright

    html_dir = Path(html_dir).resolve()
    pages = sorted((html_dir / "book").glob("*.html"))
    if not pages:
        raise FileNotFoundError(f"no pages under {html_dir / 'book'}; build the book first")
    reports = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        for path in pages:
            report = PageReport(path.name)
            page = context.new_page()
            page.on("console", lambda m, r=report: r.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e, r=report: r.console_errors.append(str(e)))

            def block(route, r=report):
                if route.request.url.startswith(("file:", "data:", "blob:")):
                    route.continue_()
                else:
                    r.blocked_requests.append(route.request.url)
                    route.abort()

            page.route("**/*", block)
            page.goto(path.as_uri(), wait_until="load", timeout=timeout_ms)
            report.charts = page.locator(".melodyreg-chart").count()
            if report.charts:
                _wait(
                    page,
                    "() => [...document.querySelectorAll('.melodyreg-chart')]"
                    ".every(d => d.querySelector('svg, canvas'))",
                    timeout_ms,
                )
            report.charts_drawn = page.locator(".melodyreg-chart").filter(has=page.locator("svg, canvas")).count()
            report.audio = page.locator("audio").count()
            if report.audio:
                report.audio_durations = page.evaluate(
                    """async () => Promise.all([...document.querySelectorAll('audio')].map(a =>
                        new Promise(res => {
                          if (a.readyState >= 1) return res(a.duration);
                          a.addEventListener('loadedmetadata', () => res(a.duration));
                          a.addEventListener('error', () => res(0));
                          a.load();
                        })))"""
                )
            report.math = page.locator(".math").count()
            if report.math:
                _wait(
                    page,
                    "() => document.querySelectorAll('.math').length =="
                    " document.querySelectorAll('.math:has(mjx-container)').length",
                    timeout_ms,
                )
                report.math_typeset = page.locator(".math:has(mjx-container)").count()
            report.noise = page.evaluate(NOISE_SCRIPT)
            report.numbered = page.locator("figure .caption-number, .melodyreg-table .caption-number").count()
            report.code_shown = page.evaluate(
                "() => [...document.querySelectorAll('.cell_input')]"
                ".filter(e => !(e.closest('details') && !e.closest('details').open)).length"
            )
            if screenshots is not None:
                Path(screenshots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(screenshots) / f"{path.stem}.png"), full_page=True)
            page.close()
            reports.append(report)
        browser.close()
    return reports


if __name__ == "__main__":
    html = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("_build/html")
    shots = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    failed = False
    for rep in check_pages(html, shots):
        print(
            f"{rep.page}: {rep.charts_drawn}/{rep.charts} charts, {rep.audio} audio "
            f"{[round(d, 1) for d in rep.audio_durations]}, {rep.math_typeset}/{rep.math} formulas, "
            f"{rep.numbered} numbered figures and tables"
        )
        for problem in rep.problems:
            failed = True
            print(f"  PROBLEM {problem}")
    sys.exit(1 if failed else 0)
