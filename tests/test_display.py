"""Offline HTML: the Altair renderer, the Vega bundle, audio players and tables."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil

import altair as alt
import numpy as np
import pandas as pd
import pytest

from helpers import NO_EVENT as NE
from melodyreg.report import display, plots


@pytest.fixture
def offline_charts():
    """Switch the offline renderer on for one test and restore Altair's settings afterwards."""
    renderer = alt.renderers.active
    display.enable_offline_charts()
    yield
    alt.renderers.enable(renderer)
    alt.data_transformers.enable("default")


def rendered_html(chart) -> str:
    bundle = chart._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert set(bundle) == {"text/html"}
    return bundle["text/html"]


def embedded_spec(html: str) -> tuple[str, dict]:
    match = re.search(r"window\.vegaEmbed\('#([\w-]+)', (.*), \{actions: false\}\)", html)
    assert match, html[:300]
    return match.group(1), json.loads(match.group(2))


def test_offline_renderer_embeds_the_spec_without_network(offline_charts):
    assert alt.renderers.active == display.RENDERER == "melodyreg-offline"
    chart = plots.event_class_chart([np.asarray([2, 0, 1], dtype=np.int8)])
    html = rendered_html(chart)
    div, spec = embedded_spec(html)
    assert html.startswith(f'<div id="{div}" class="melodyreg-chart"></div>\n<script>')
    assert "vegaEmbed" in html
    assert spec == chart.to_dict()
    # Nothing is loaded from anywhere: no script or link tags with an address. The only
    # URL is Vega-Lite's `$schema`, which vega-embed reads as a version tag and never fetches.
    assert "src=" not in html and "<link" not in html
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert "http" not in html.replace(spec["$schema"], "")


def test_each_chart_gets_its_own_div(offline_charts):
    chart = plots.length_chart([np.zeros(5, dtype=np.int8)])
    first, second = embedded_spec(rendered_html(chart))[0], embedded_spec(rendered_html(chart))[0]
    assert first != second
    assert first.startswith("melodyreg-chart-") and second.startswith("melodyreg-chart-")


def test_offline_charts_lift_the_row_limit(offline_charts):
    many = [np.zeros(3, dtype=np.int8)] * 6000  # 6000 rows: over Altair's default limit of 5000
    _, spec = embedded_spec(rendered_html(plots.length_chart(many)))
    assert len(next(iter(spec["datasets"].values()))) == 6000


def test_vega_bundle_is_one_wrapped_classic_script():
    code = display.vega_bundle()
    assert code.startswith("(function () {\n") and code.endswith("\n})();\n")
    assert "vegaEmbed" in code
    assert len(code) > 100_000


def test_write_vega_bundle_skips_identical_files(tmp_path, monkeypatch):
    monkeypatch.setattr(display, "vega_bundle", lambda: "window.vegaEmbed = function () {};\n")
    path = display.write_vega_bundle(tmp_path / "assets" / "vega-bundle.js")
    assert path.read_text() == "window.vegaEmbed = function () {};\n"
    os.utime(path, (1_000_000, 1_000_000))
    display.write_vega_bundle(path)
    assert path.stat().st_mtime == 1_000_000  # not rewritten
    monkeypatch.setattr(display, "vega_bundle", lambda: "changed")
    display.write_vega_bundle(path)
    assert path.read_text() == "changed"


def test_audio_player_embeds_ogg_and_a_midi_download():
    player = display.audio_player(b"OggS-bytes", b"MThd-bytes", "Tune <1> & co", "tune-1")
    html = player.data
    assert f'src="data:audio/ogg;base64,{base64.b64encode(b"OggS-bytes").decode()}"' in html
    assert f'href="data:audio/midi;base64,{base64.b64encode(b"MThd-bytes").decode()}"' in html
    assert 'download="tune-1.mid"' in html
    assert "<audio controls" in html
    assert "<figcaption>Tune &lt;1&gt; &amp; co</figcaption>" in html
    assert "http" not in html


def test_table_with_and_without_caption():
    frame = pd.DataFrame({"collection": ["a", "total"], "melodies": [3, 3]})
    with_caption = display.table(frame, caption="Melodies <per> collection").data
    assert with_caption.startswith("<p><b>Melodies &lt;per&gt; collection</b></p>")
    assert '<table class="dataframe table">' in with_caption
    assert "<td>total</td>" in with_caption and "<th>melodies</th>" in with_caption
    plain = display.table(frame).data
    assert plain.startswith('<div id="melodyreg-table-') and "<p>" not in plain


def test_a_table_sits_in_a_frame_that_scrolls_and_says_so_only_when_too_wide():
    frame = pd.DataFrame({"gate_discriminator": [0.5], "memorization MMD²": [0.01]})
    page = display.table(frame).data
    wrapper = re.match(r'<div id="(melodyreg-table-\d+)" class="melodyreg-wide">', page).group(1)
    note = f'<p class="melodyreg-scroll-note" hidden>{display.SCROLL_NOTE}</p>'
    frame_div = f'<div class="{display.SCROLL_CLASS}" tabindex="0" role="region"'
    assert page.index(note) < page.index(frame_div) < page.index("<table")  # the note above the frame
    assert f"document.getElementById('{wrapper}')" in page  # its script shows the note on overflow
    assert "<th>gate_<wbr>discriminator</th>" in page  # headings may break after an underscore
    assert "<td>0.5</td>" in page and "<wbr>" not in page.split("</thead>")[1]  # cells are left alone
    assert display.table(frame).data.split('"')[1] != wrapper  # each table its own id
    assert "melodyreg-dense" not in page


def test_a_table_of_many_columns_is_set_smaller():
    many = pd.DataFrame({f"column {i}": [i] for i in range(display.DENSE_COLUMNS)})
    assert f'class="{display.SCROLL_CLASS} melodyreg-dense"' in display.table(many).data
    few = many.iloc[:, : display.DENSE_COLUMNS - 1]
    assert "melodyreg-dense" not in display.table(few).data


@pytest.mark.skipif(shutil.which("fluidsynth") is None, reason="the fluidsynth program is not installed")
def test_melody_players():
    melody = [60, NE, NE, NE, 64, NE, NE, NE]
    players = display.melody_players([melody, melody], ["first", "second"], "demo")
    assert len(players) == 2
    for i, (player, label) in enumerate(zip(players, ["first", "second"])):
        assert f"<figcaption>{label}</figcaption>" in player.data
        assert f'download="demo-{i + 1}.mid"' in player.data
        ogg64 = re.search(r"data:audio/ogg;base64,([A-Za-z0-9+/=]+)", player.data).group(1)
        assert base64.b64decode(ogg64)[:4] == b"OggS"


def test_listed_shows_the_first_rows_and_embeds_all_of_them_as_csv():
    import base64
    import re

    import pandas as pd

    frame = pd.DataFrame({"name": [f"f{i}.mid" for i in range(25)], "reason": ["empty file"] * 25})
    page = display.listed(frame, "Skipped", "skipped.csv", shown=20).data
    assert "Skipped (the first 20 of 25)" in page and "f19.mid" in page and "f20.mid" not in page.split("<a")[0]
    encoded = re.search(r'download="skipped.csv" href="data:text/csv;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(encoded).decode() == frame.to_csv(index=False)  # every row, not just the shown ones
    short = display.listed(frame.head(3), "Skipped", "s.csv").data
    assert "Skipped</b>" in short and "first" not in short


def test_a_listed_table_can_show_a_formatted_frame_and_download_the_data():
    import base64
    import re

    import pandas as pd

    data = pd.DataFrame({"margin": [0.123456, -0.5], "holds": [True, False]})
    shown = pd.DataFrame({"margin": ["+0.123", "-0.500"], "holds": ["yes", "no"]})
    page = display.listed(shown, "Margins", "m.csv", data=data).data
    assert "+0.123" in page.split("<a")[0]
    encoded = re.search(r'download="m.csv" href="data:text/csv;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(encoded).decode() == data.to_csv(index=False)


def test_a_table_that_a_profile_lacks_shows_as_nothing():
    assert display.table(None, "Tuning runs", name="tbl-tuning") is None


def test_glue_all_glues_every_value_in_order(monkeypatch):
    glued = []
    monkeypatch.setattr(display, "glue", lambda key, value: glued.append((key, value)))
    display.glue_all({"b": "1", "a": "2"})
    assert glued == [("b", "1"), ("a", "2")]


def test_a_figure_that_a_profile_does_not_draw_shows_as_nothing():
    assert display.figure(None, "fig-pf-designs", "Designs") is None
    assert display.figure(alt.Chart(pd.DataFrame({"x": [1]})).mark_point(), "fig-x", "X").name == "fig-x"
