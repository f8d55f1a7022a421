"""HTML for the book that works with the network switched off.

* Altair charts: :func:`enable_offline_charts` registers a renderer that writes
  a ``<div>`` and a call to ``vegaEmbed``; the Vega, Vega-Lite and Vega-Embed
  code comes from one local bundle (:func:`write_vega_bundle`, built by
  ``vl-convert`` from the versions Altair expects) that the book includes on
  every page. Charts stay interactive (tooltips, zoom).
* Audio: :func:`audio_player` embeds OGG/Vorbis as a data URI in an
  ``<audio>`` element with a MIDI download link beside it.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import altair as alt
from IPython.display import HTML

RENDERER = "melodyreg-offline"
_ids = itertools.count()


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


def table(frame, caption: str = "") -> HTML:
    """A pandas DataFrame as a plain HTML table with an optional caption."""
    body = frame.to_html(index=False, border=0, classes="table")
    return HTML(f"<p><b>{html.escape(caption)}</b></p>{body}" if caption else body)


def csv_download(frame, filename: str, label: str) -> HTML:
    """A link that downloads ``frame`` as a CSV file, embedded in the page (works offline)."""
    data = base64.b64encode(frame.to_csv(index=False).encode()).decode()
    return HTML(
        f'<p><a download="{html.escape(filename)}" href="data:text/csv;base64,{data}">{html.escape(label)}</a></p>'
    )


def listed(frame, caption: str, filename: str, shown: int = 20) -> HTML:
    """The first ``shown`` rows of ``frame`` as a table, with how many there are and a CSV of them all."""
    more = f" (the first {shown} of {len(frame):,})" if len(frame) > shown else ""
    link = csv_download(frame, filename, f"Download all {len(frame):,} rows as CSV ({filename})")
    return HTML(table(frame.head(shown), caption + more).data + link.data)


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
