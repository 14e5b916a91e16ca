"""The gap map as one self-contained HTML page: a plotly treemap with its JavaScript embedded.

The page works offline (plotly.js is inside it, nothing is fetched). Two selectors restyle the
treemap through plotly's own API: the area (kept samples or seeds) and the colour (student score,
data status, rejection rate, diversity). Hovering a tile shows its figures; clicking a leaf shows
them beside the chart with its lowest-scored questions and the student's answers. Below: the gaps.

Every leaf name, question and answer is untrusted: in the treemap it is HTML-escaped (plotly reads
entities back as text), the details are data in a JSON script block whose `<`, `>` and `&` are
escaped, and the page's script writes them with `textContent` only.
"""

from __future__ import annotations

import html
import json
from typing import Any

from labtax import sanitize
from labtax.gapmap import AREAS, COLOURS, LEGENDS, ROOT, GapMap
from labtax.util import plural

CHART_ID = "labtax-map"
AREA_NAMES = {"samples": "kept samples", "seeds": "seed examples"}
COLOUR_NAMES = {
    "score": "student score",
    "status": "data status",
    "rejection": "rejection rate",
    "diversity": "diversity",
}


def render(model: GapMap, *, title: str = "labtax gap map") -> str:
    """The whole page."""
    import plotly.graph_objects as go
    import plotly.io as pio

    tiles = model.tiles
    treemap = go.Treemap(
        ids=[t.id for t in tiles],
        parents=[t.parent for t in tiles],
        labels=[_text(t.label) for t in tiles],
        values=[t.area["samples"] for t in tiles],
        branchvalues="total",
        marker={"colors": [t.colour["score"] for t in tiles], "line": {"width": 1}},
        text=[_text(t.caption["score"]) for t in tiles],
        hovertext=["<br>".join(_text(line) for line in t.hover) for t in tiles],
        texttemplate="<b>%{label}</b><br>%{text}",
        hovertemplate="%{hovertext}<extra></extra>",
        pathbar={"visible": True},
        sort=False,
    )
    figure = go.Figure(treemap)
    figure.update_layout(margin={"t": 30, "l": 4, "r": 4, "b": 4}, height=620)
    chart = pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=True,
        div_id=CHART_ID,
        config={"displaylogo": False, "responsive": True},
    )
    data = {
        "areas": {a: [t.area[a] for t in tiles] for a in AREAS},
        "colours": {c: [t.colour[c] for t in tiles] for c in COLOURS},
        "captions": {c: [_text(t.caption[c]) for t in tiles] for c in COLOURS},
        "legends": LEGENDS,
        "details": {t.id: dict(t.details) for t in tiles},
    }
    return _PAGE.format(
        title=html.escape(title),
        intro=_intro(model),
        area_options=_options(AREA_NAMES),
        colour_options=_options(COLOUR_NAMES),
        legend=html.escape(LEGENDS["score"]),
        chart=chart,
        gaps=_gaps(model),
        data=_script_json(data),
        chart_id=CHART_ID,
        root=ROOT,
    )


def _text(value: str) -> str:
    """Untrusted text as plotly shows it: controls escaped, markup characters as entities."""
    return html.escape(sanitize.escape_controls(value, keep_newlines=False), quote=False)


def _intro(model: GapMap) -> str:
    leaves = sum(1 for t in model.tiles if t.leaf)
    who = (
        f"student <code>{html.escape(model.student)}</code>"
        + (f", judged by <code>{html.escape(model.judge)}</code>" if model.judge else "")
        if model.student
        else "no student named: run <code>labtax eval --student MODEL</code> to colour by score"
    )
    return f"{plural(leaves, 'leaf', 'leaves')}; {who}."


def _options(names: dict[str, str]) -> str:
    return "".join(
        f'<option value="{html.escape(key)}">{html.escape(label)}</option>'
        for key, label in names.items()
    )


def _gaps(model: GapMap) -> str:
    if not model.gaps:
        return "<p>No gaps found.</p>"
    rows = "".join(
        "<li>"
        f'<span class="kind">{html.escape(g.kind.replace("_", " "))}</span> '
        f"<code>{html.escape(sanitize.escape_controls(g.path, keep_newlines=False))}</code>: "
        f"{html.escape(sanitize.escape_controls(g.figure))}. "
        f'<span class="advice">{html.escape(g.advice)}</span>'
        "</li>"
        for g in model.gaps
    )
    return f'<ol id="gap-list">{rows}</ol>'


def _script_json(value: Any) -> str:
    # Inside <script>, "</script>" or "<!--" in a string would end the block: escape the markup
    # characters, which JSON.parse reads back unchanged.
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1rem 1.5rem; color: #222; }}
h1 {{ font-size: 1.4rem; margin: 0 0 .3rem; }}
.controls {{ margin: .6rem 0; display: flex; gap: 1.2rem; flex-wrap: wrap; align-items: center; }}
.legend {{ color: #555; font-size: .9rem; }}
main {{ display: grid; grid-template-columns: minmax(0, 3fr) minmax(16rem, 1fr); gap: 1rem; }}
#details {{ border-left: 3px solid #ddd; padding-left: .8rem; font-size: .9rem; }}
#details h2 {{ font-size: 1rem; word-break: break-all; }}
#details .question {{ margin: .6rem 0; padding: .4rem; background: #f6f6f6; }}
#details .label {{ font-weight: 600; }}
#details p {{ white-space: pre-wrap; margin: .2rem 0; }}
.kind {{ font-weight: 600; }}
.advice {{ color: #444; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{intro} Area and colour are selectable; hover a tile for its figures, click a leaf for its
lowest-scored questions. A click on a branch zooms in; the bar above the chart zooms out.</p>
<div class="controls">
<label>Area <select id="area">{area_options}</select></label>
<label>Colour <select id="colour">{colour_options}</select></label>
<span class="legend" id="legend">{legend}</span>
</div>
<main>
<div>{chart}</div>
<aside id="details"><p>Click a leaf to see its figures and its lowest-scored questions.</p></aside>
</main>
<h2>Gaps</h2>
{gaps}
<script type="application/json" id="labtax-data">{data}</script>
<script>
(function () {{
  var data = JSON.parse(document.getElementById("labtax-data").textContent);
  var chart = document.getElementById("{chart_id}");
  var details = document.getElementById("details");
  function add(parent, tag, text, cls) {{
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    parent.appendChild(node);
    return node;
  }}
  function show(id) {{
    var info = data.details[id];
    if (!info) return;
    details.replaceChildren();
    add(details, "h2", info.leaf || info.branch || "{root}");
    (info.figures || []).forEach(function (line) {{ add(details, "p", line); }});
    if (!info.leaf) return;
    add(details, "p", "Reading: " + info.reading, "reading");
    if (info.reason) add(details, "p", "Failures: " + info.reason);
    if (!info.lowest.length) {{ add(details, "p", "No question was asked."); return; }}
    add(details, "h3", "Lowest-scored questions");
    info.lowest.forEach(function (q) {{
      var box = add(details, "div", null, "question");
      var score = q.score === null ? "not scored: " + q.failure : q.score + "/10";
      add(box, "p", "Score " + score, "label");
      if (q.context) add(box, "p", "Context: " + q.context);
      add(box, "p", "Question: " + q.question);
      add(box, "p", "Student: " + (q.answer === null ? "(no answer)" : q.answer));
      add(box, "p", "Reference: " + q.reference);
      if (q.explanation) add(box, "p", "Judge: " + q.explanation);
    }});
  }}
  document.getElementById("area").addEventListener("change", function (e) {{
    Plotly.restyle(chart, {{ values: [data.areas[e.target.value]] }});
  }});
  document.getElementById("colour").addEventListener("change", function (e) {{
    var mode = e.target.value;
    Plotly.restyle(chart, {{ "marker.colors": [data.colours[mode]], text: [data.captions[mode]] }});
    document.getElementById("legend").textContent = data.legends[mode];
  }});
  // A click on a leaf shows its details and keeps the view; a click on a branch zooms in.
  chart.on("plotly_treemapclick", function (event) {{
    var id = event.points[0].id;
    show(id);
    if (data.details[id] && data.details[id].leaf) return false;
  }});
}})();
</script>
</body>
</html>
"""
