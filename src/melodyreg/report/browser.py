"""Open the built book in headless Chromium with the network cut off and check what renders.

Used by ``tests/test_book.py`` and runnable by hand:
``python -m melodyreg.report.browser _build/html screenshots/``. Chromium is the
system's (Debian ``chromium``), driven by Playwright; no browser is downloaded.
Every request that is not a local file is blocked and reported as a failure.

Every page is also laid out at each width of :data:`VIEWPORTS`, with the page's contents
panel (the theme's secondary sidebar, "On this page") beside the text, and measured: a
chart, table, equation, figure or output wider than the text column, or cut off inside a
box that hides or scrolls it, is a problem. Only a table's own frame
(:data:`melodyreg.report.display.SCROLL_CLASS`), which says that it scrolls, may scroll.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

# 1280 px is the narrowest width at which the theme lays both sidebars beside the text (its
# breakpoint is 1200 px), so the column is narrowest there: about 690 px; 1920 px is a common desktop.
VIEWPORTS = ((1280, 900), (1920, 1080))
TOLERANCE_PX = 1  # sub-pixel rounding of boxes

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
    overflow: list[str] = field(default_factory=list)
    scrolling: list[str] = field(default_factory=list)
    columns: dict[int, int] = field(default_factory=dict)

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
        found += self.overflow
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


# The layout at the current width: the text column (the article's content box), whether the contents
# panel is shown, and every element that does not fit the column. An element is "wide" when its box
# reaches past either edge of the column, and "cut off" when it hides or scrolls content sideways
# (scrollWidth > clientWidth). The outermost offender is reported once, named by its numbered caption
# ("Fig. 2.1 chart") or else by its section. Tables inside a scroll frame of their own are exempt; the
# frame itself must fit, and must show its note while it scrolls.
LAYOUT_SCRIPT = r"""(tol) => {
  // MathJax's copy of each formula for screen readers is clipped to nothing but still counts in
  // scrollWidth (an inline formula would look cut off): leave it out while measuring
  const quiet = document.createElement('style');
  quiet.textContent = 'mjx-assistive-mml { display: none !important; }';
  document.head.appendChild(quiet);
  const article = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const style = getComputedStyle(article), box = article.getBoundingClientRect();
  const left = box.left + parseFloat(style.paddingLeft), right = box.right - parseFloat(style.paddingRight);
  const column = right - left;
  const side = document.querySelector('.bd-sidebar-secondary');
  let panel = null;
  if (side) {
    const r = side.getBoundingClientRect(), cs = getComputedStyle(side);
    panel = r.width > 0 && r.left < window.innerWidth && cs.display !== 'none' && cs.visibility !== 'hidden';
  }
  // folded code is not shown (Chromium still lays out the content of a closed <details>); the theme's
  // margin notes and full-width blocks leave the column on purpose; a permalink icon after a heading
  // or caption is shown only on hover and may sit in the article's padding
  const hidden = el => (el.closest('details:not([open])') && !el.closest('summary')
                        && el.closest('details:not([open])') !== el)
                       || el.closest('.margin, .marginnote, .sidenote, .full-width, .tag_full-width, a.headerlink');
  const visible = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && !hidden(el) && getComputedStyle(el).visibility !== 'hidden';
  };
  const heading = el => {
    for (let s = el.closest('section'); s; s = s.parentElement && s.parentElement.closest('section')) {
      const h = s.querySelector(':scope > h1, :scope > h2, :scope > h3, :scope > h4');
      if (h) return h.textContent.replace(/[#\u00b6]\s*$/, '').trim();
    }
    return document.title;
  };
  const describe = el => {
    const kind = el.closest('.melodyreg-chart') ? 'chart'
      : el.closest('mjx-container, div.math') ? 'equation'
      : el.closest('table') || el.querySelector('table') ? 'table'
      : el.closest('pre') ? 'code block'
      : el.closest('figure') ? 'figure' : '<' + el.tagName.toLowerCase() + '>';
    const holder = el.closest('figure, .melodyreg-table');
    const number = holder && holder.querySelector('.caption-number');
    const name = number ? number.textContent.replace(/[\s:.]+$/, '').trim() : '';
    if (kind === 'equation') {
      const math = el.closest('mjx-container, div.math') || el;
      const text = (math.querySelector('mjx-assistive-mml') || math).textContent.replace(/\s+/g, '');
      return 'equation "' + text.slice(0, 30) + (text.length > 30 ? '…' : '') + '" in "' + heading(el) + '"';
    }
    if (name) return name + ' ' + kind;
    return kind + ' in "' + heading(el) + '"';
  };
  const inFrame = el => el.parentElement && el.parentElement.closest('.melodyreg-scroll');
  const reported = [], over = [];
  const already = el => reported.some(r => r.contains(el) || el.contains(r));
  const px = v => Math.round(v);
  const check = el => {
    if (!visible(el) || inFrame(el) || already(el)) return;
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    const framed = el.matches('.melodyreg-scroll');
    if (r.right > right + tol || r.left < left - tol) {
      const past = Math.max(r.right - right, left - r.left);
      over.push(describe(el) + ' ' + px(r.width) + ' px wide in a ' + px(column) + ' px column ('
                + px(past) + ' px past its edge)');
      reported.push(el);
    } else if (!framed && cs.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + tol) {
      const how = cs.overflowX === 'hidden' || cs.overflowX === 'clip' ? 'hidden' : 'behind a horizontal scrollbar';
      over.push(describe(el) + ' cut off: ' + el.scrollWidth + ' px of content in a ' + el.clientWidth
                + ' px box (' + how + ')');
      reported.push(el);
    }
  };
  // what a reader looks at first, named as such; then any other box in the column that is too wide or clips
  const first = '.melodyreg-chart svg.marks, .melodyreg-chart canvas.marks, .melodyreg-scroll, table, '
              + 'mjx-container[display="true"], div.math, figure, img, pre, .cell_output, .cell_output > *, '
              + '.cell_output .output > *';
  article.querySelectorAll(first).forEach(check);
  article.querySelectorAll('*').forEach(check);
  const scrolling = [];
  article.querySelectorAll('.melodyreg-scroll').forEach(frame => {
    if (!visible(frame) || frame.scrollWidth <= frame.clientWidth + tol) return;
    const note = frame.parentElement.querySelector('.melodyreg-scroll-note');
    const said = note && visible(note);
    const what = describe(frame) + ' scrolls in its frame (' + frame.scrollWidth + ' px of table in '
                 + frame.clientWidth + ' px)';
    scrolling.push(what);
    if (!said) over.push(what + ' without its note saying so');
  });
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + tol) {
    over.push('the page scrolls sideways: ' + page.scrollWidth + ' px in a ' + page.clientWidth + ' px window');
  }
  quiet.remove();
  return {column: px(column), panel, over, scrolling};
}"""


def _settle(page) -> None:
    """Wait two animation frames: the layout (and the tables' resize handlers) after a change of width."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _open_contents_panel(page) -> None:
    """Show the contents panel if the theme has folded it away behind its toggle button."""
    toggle = page.locator("button.secondary-toggle:visible, .secondary-toggle:visible")
    if toggle.count():
        toggle.first.click()
        _settle(page)


def check_layout(page, report: PageReport, screenshot: Path | None = None) -> None:
    """Measure the loaded ``page`` at every width of :data:`VIEWPORTS` into ``report``.

    At each width the contents panel is made visible (a problem if it cannot be), then
    ``LAYOUT_SCRIPT`` lists what does not fit the text column; ``screenshot``, if given, is the
    path stem of one full-page screenshot per width (``<stem>-1280.png``, ...).
    """
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        _settle(page)
        layout = page.evaluate(LAYOUT_SCRIPT, TOLERANCE_PX)
        if layout["panel"] is False:
            _open_contents_panel(page)
            layout = page.evaluate(LAYOUT_SCRIPT, TOLERANCE_PX)
            if layout["panel"] is False:
                report.overflow.append(f"at {width} px: the contents panel could not be shown beside the text")
        report.columns[width] = layout["column"]
        report.overflow += [f"at {width} px: {what}" for what in layout["over"]]
        report.scrolling += [f"at {width} px: {what}" for what in layout["scrolling"]]
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot.with_name(f"{screenshot.name}-{width}.png")), full_page=True)


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
    """Load every chapter page of a built book offline and report what rendered and what does not fit.

    Args:
        html_dir: the built book (``_build/html``).
        screenshots: a folder for full-page screenshots, one per page and width of :data:`VIEWPORTS`.
        timeout_ms: how long to wait for a page, its charts and its formulas.
    """
    from playwright.sync_api import sync_playwright

    html_dir = Path(html_dir).resolve()
    pages = sorted((html_dir / "book").glob("*.html"))
    if not pages:
        raise FileNotFoundError(f"no pages under {html_dir / 'book'}; build the book first")
    reports = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        width, height = VIEWPORTS[0]
        context = browser.new_context(viewport={"width": width, "height": height})
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
            check_layout(page, report, None if screenshots is None else Path(screenshots) / path.stem)
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
            f"{rep.numbered} numbered figures and tables; text column "
            + ", ".join(f"{column} px at {width} px" for width, column in rep.columns.items())
        )
        for note in rep.scrolling:
            print(f"  scrolls on purpose: {note}")
        for problem in rep.problems:
            failed = True
            print(f"  PROBLEM {problem}")
    sys.exit(1 if failed else 0)
