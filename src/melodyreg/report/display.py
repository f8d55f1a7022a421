"""HTML for the book that works with the network switched off.

* Altair charts: :func:`enable_offline_charts` registers a renderer that writes
  a ``<div>`` and a call to ``vegaEmbed``; the Vega, Vega-Lite and Vega-Embed
  code comes from one local bundle (:func:`write_vega_bundle`, built by
  ``vl-convert`` from the versions Altair expects) that the book includes on
  every page. Charts stay interactive (tooltips, zoom).
* Audio: :func:`audio_player` embeds OGG/Vorbis as a data URI in an
  ``<audio>`` element with a MIDI download link beside it.
* Numbered figures and tables: :func:`figure` and :func:`table` mark an output
  with its label and caption (output metadata that the build turns into a
  numbered figure or table, :func:`melodyreg.report.build.fold_code`); prose
  refers to it as ``{numref}`label```. In Jupyter the output shows as usual.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import altair as alt
from IPython.display import HTML

from melodyreg.prose import counted as counted  # re-exported: chapters write show.counted(...)
from melodyreg.prose import joined as joined
from melodyreg.prose import plain as plain

RENDERER = "melodyreg-offline"
CAPTION_KEY = "melodyreg_caption"  # output metadata read by the build
_ids = itertools.count()


class Captioned:
    """An output with a label and a caption: a numbered figure or table in the book.

    Attributes:
        content: anything IPython can display (an Altair chart, HTML).
        kind: ``"figure"`` or ``"table"``.
        name: the label prose refers to, e.g. ``fig-losses`` (unique in the book).
        caption: MyST text: what the output shows and what to look for.
    """

    def __init__(self, content, kind: str, name: str, caption: str):
        if kind not in ("figure", "table"):
            raise ValueError(f"kind must be 'figure' or 'table', got {kind!r}")
        if not name or not name.replace("-", "").isalnum():
            raise ValueError(f"a label holds letters, digits and '-', got {name!r}")
        self.content, self.kind, self.name, self.caption = content, kind, name, caption

    def _repr_mimebundle_(self, include=None, exclude=None):
        from IPython.core.interactiveshell import InteractiveShell

        if InteractiveShell.initialized():
            data, metadata = InteractiveShell.instance().display_formatter.format(self.content, include, exclude)
        else:  # outside a kernel (tests, scripts): the content's own representation
            data, metadata = {"text/html": _html_of(self.content)}, {}
        metadata = dict(metadata)
        metadata[CAPTION_KEY] = {"kind": self.kind, "name": self.name, "caption": self.caption}
        return data, metadata


def _html_of(content) -> str:
    if hasattr(content, "_repr_mimebundle_"):
        bundle = content._repr_mimebundle_()
        bundle = bundle[0] if isinstance(bundle, tuple) else bundle
        return bundle.get("text/html", "")
    return content._repr_html_() if hasattr(content, "_repr_html_") else html.escape(str(content))


def glue(key: str, value) -> None:
    """Store ``value`` under ``key`` for the prose: ``{glue:text}`key``` on this page, or
    ``{glue:text}`06_evaluation.ipynb::key:s``` on another.

    Glue text as a ``str`` formatted here ("4,451", "1.180", "+0.012"): myst-nb reads the
    text back with ``ast.literal_eval``, which keeps a string as written but would turn an
    unquoted ``4,451`` into a tuple and ``1.180`` into ``1.18``.
    """
    from myst_nb import glue as myst_glue

    myst_glue(key, value, display=False)


def glue_all(values: Mapping[str, object]) -> None:
    """:func:`glue` every ``{key: value}`` of ``values``, in order."""
    for key, value in values.items():
        glue(key, value)


def figure(content, name: str, caption: str) -> Captioned | None:
    """``content`` (a chart) as a numbered figure labelled ``name`` with ``caption``; ``None`` for a ``content``
    of ``None`` (a figure that only some profiles draw), which a notebook shows as nothing."""
    return None if content is None else Captioned(content, "figure", name, caption)


def vega_bundle() -> str:
    """Vega + Vega-Lite + Vega-Embed as one classic script that sets ``window.vegaEmbed``.

    The bundle is wrapped in a function so that its top-level names (``_`` among
    them) do not clash with the page's other scripts.
    """
    import vl_convert

    major_minor = ".".join(alt.SCHEMA_VERSION.split(".")[:2])
    return "(function () {\n" + vl_convert.javascript_bundle(vl_version=major_minor) + "\n})();\n"


def write_vega_bundle(path: str | Path) -> Path:
    """Write :func:`vega_bundle` to ``path`` (skipped when an identical file exists)."""
    path = Path(path)
    code = vega_bundle()
    if not path.exists() or path.read_text() != code:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)
    return path


def _render(spec: dict, **_options) -> dict:
    div = f"melodyreg-chart-{next(_ids)}"
    script = (
        f"(function draw(){{if(window.vegaEmbed){{window.vegaEmbed('#{div}', {json.dumps(spec)}, {{actions: false}})"
        ".catch(function(e){console.error(e);});}else{setTimeout(draw, 50);}})();"
    )
    return {"text/html": f'<div id="{div}" class="melodyreg-chart"></div>\n<script>{script}</script>'}


def enable_offline_charts() -> None:
    """Make Altair charts render through the local Vega bundle (call once per notebook)."""
    alt.renderers.register(RENDERER, _render)
    alt.renderers.enable(RENDERER)
    alt.data_transformers.disable_max_rows()


def audio_player(ogg: bytes, midi: bytes, label: str, filename: str) -> HTML:
    """An ``<audio>`` player for OGG bytes and a link that downloads the MIDI file."""
    ogg64 = base64.b64encode(ogg).decode()
    midi64 = base64.b64encode(midi).decode()
    name = html.escape(filename)
    return HTML(
        f'<figure class="melodyreg-audio"><figcaption>{html.escape(label)}</figcaption>'
        f'<audio controls preload="metadata" src="data:audio/ogg;base64,{ogg64}"></audio> '
        f'<a download="{name}.mid" href="data:audio/midi;base64,{midi64}">MIDI</a></figure>'
    )


SCROLL_CLASS = "melodyreg-scroll"  # a frame that scrolls sideways on purpose (the browser check allows it)
SCROLL_NOTE = "Wide table: scroll sideways for more columns."
DENSE_COLUMNS = 9  # a table with this many columns is set a size smaller, so that it too fits the text column

# Shows a frame's note only while its table is wider than the frame (on load and on resize); without
# scripts the frame still scrolls, it just does not say so.
_SCROLL_SCRIPT = (
    "(function(){var w=document.getElementById('%s');if(!w)return;"
    "var f=w.querySelector('.%s'),n=w.querySelector('.melodyreg-scroll-note');"
    "function check(){var wide=f.scrollWidth>f.clientWidth+1;"
    "n.hidden=!wide;w.classList.toggle('melodyreg-overflows',wide);}"
    "window.addEventListener('resize',check);"
    "if(document.readyState==='loading'){document.addEventListener('DOMContentLoaded',check);}else{check();}})();"
)


def _html_table(frame) -> str:
    """``frame`` as an HTML table inside a frame that scrolls sideways if the table is wider than the page.

    The book's stylesheet wraps the headings first, so that scrolling is rare; where a table is
    still too wide, a note above the frame says so.
    """
    wrapper = f"melodyreg-table-{next(_ids)}"
    dense = " melodyreg-dense" if len(frame.columns) >= DENSE_COLUMNS else ""
    body = frame.to_html(index=False, border=0, classes="table")
    # a heading such as `gate_discriminator` may break after its underscores, not only between words
    head, rest = body.split("</thead>", 1) if "</thead>" in body else ("", body)
    body = (head.replace("_", "_<wbr>") + "</thead>" if head else "") + rest
    return (
        f'<div id="{wrapper}" class="melodyreg-wide">'
        f'<p class="melodyreg-scroll-note" hidden>{SCROLL_NOTE}</p>'
        f'<div class="{SCROLL_CLASS}{dense}" tabindex="0" role="region" aria-label="table; scrolls sideways">'
        f"{body}</div>"
        f"</div>\n<script>{_SCROLL_SCRIPT % (wrapper, SCROLL_CLASS)}</script>"
    )


def table(frame, caption: str = "", name: str | None = None):
    """A pandas DataFrame as a plain HTML table.

    With ``name``, a numbered table labelled ``name`` with ``caption``
    (:class:`Captioned`); without, the caption is a bold line above it. A ``frame`` of ``None``
    (a table that only some profiles have) gives ``None``, which a notebook shows as nothing.
    """
    if frame is None:
        return None
    body = _html_table(frame)
    if name is not None:
        return Captioned(HTML(body), "table", name, caption)
    return HTML(f"<p><b>{html.escape(caption)}</b></p>{body}" if caption else body)


def csv_download(frame, filename: str, label: str) -> HTML:
    """A link that downloads ``frame`` as a CSV file, embedded in the page (works offline)."""
    data = base64.b64encode(frame.to_csv(index=False).encode()).decode()
    return HTML(
        f'<p><a download="{html.escape(filename)}" href="data:text/csv;base64,{data}">{html.escape(label)}</a></p>'
    )


def listed(frame, caption: str, filename: str, shown: int = 20, name: str | None = None, data=None):
    """The first ``shown`` rows of ``frame`` as a table, with how many there are and a CSV of them all.

    With ``name``, a numbered table (see :func:`table`). ``data``, when given, is what the CSV holds
    instead of ``frame`` (the same rows with every column, where ``frame`` is formatted for reading). A
    ``frame`` of ``None`` gives ``None``, as in :func:`table`.
    """
    if frame is None:
        return None
    more = f" (the first {shown} of {len(frame):,})" if len(frame) > shown else ""
    data = frame if data is None else data
    link = csv_download(data, filename, f"Download all {len(data):,} rows as CSV ({filename})")
    if name is not None:
        body = _html_table(frame.head(shown))
        return Captioned(HTML(body + link.data), "table", name, caption + more)
    return HTML(table(frame.head(shown), caption + more).data + link.data)


def strategy_label(name: str) -> str:
    """A strategy's display label (``scheduled_sampling`` → ``Scheduled sampling``)."""
    from melodyreg import constants as C

    return C.STRATEGY_LABELS.get(name, name)


def events(classes) -> list[int]:
    """Event classes as note-seq event values (for :func:`melody_players`)."""
    from melodyreg.data.melodies import decode

    return decode(classes)


def melody_players(melodies: Sequence[Sequence[int]], labels: Sequence[str], stem: str) -> list[HTML]:
    """One :func:`audio_player` per melody of event values."""
    from melodyreg.report.audio import melody_audio

    players = []
    for i, (events, label) in enumerate(zip(melodies, labels)):
        ogg, midi = melody_audio(events)
        players.append(audio_player(ogg, midi, label, f"{stem}-{i + 1}"))
    return players


def melody_gallery(sampled, label: str, stem: str, title: str | None = None) -> None:
    """Show every melody of a ``generation.Generated``: piano roll, log-likelihood, audio and MIDI."""
    from IPython.display import display

    from melodyreg.report.audio import melody_audio
    from melodyreg.report.plots import piano_roll

    for i in range(len(sampled.classes)):
        ll = sampled.log_likelihood[i]
        caption = f"{label} melody {i + 1}: log-likelihood {ll:.1f} ({ll / sampled.log_probs.shape[1]:.2f} per step)"
        display(piano_roll(sampled.classes[i], caption, width=560))
        ogg, midi = melody_audio(sampled.events(i))
        display(audio_player(ogg, midi, caption, f"{stem}-{i + 1:02d}"))
