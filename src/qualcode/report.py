"""The HTML report: one self-contained file a researcher can open offline or send on.

It holds the project overview, the stage summary as a chart, the code x case heat map,
the thematic tables and a few example quotes per code. The styles are inline, the charts
are SVG drawn here, and nothing is fetched from anywhere; every text taken from the
project is HTML-escaped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode import __version__
from qualcode.dataset import Dataset, load_dataset
from qualcode.export.svg import heat_colour, stacked_bars
from qualcode.fileio import atomic_text
from qualcode.store import Project
from qualcode.tables import code_matrix, coding_case, stage_summary

if TYPE_CHECKING:
    import pandas as pd

Tables = Mapping[str, tuple[str, "pd.DataFrame"]]

STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2733;
margin:0;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px 32px 64px}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:36px 0 10px;
border-bottom:2px solid #dde4ee;padding-bottom:4px}h3{font-size:16px;margin:22px 0 6px}
.meta{color:#5b6675;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #dde4ee;border-radius:8px;padding:10px 16px;min-width:110px}
.card b{display:block;font-size:24px}.card span{color:#5b6675;font-size:13px}
.scroll{overflow-x:auto;background:#fff;border:1px solid #dde4ee;border-radius:8px}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{padding:4px 8px;border-bottom:1px solid #edf0f4;text-align:left;vertical-align:top}
th{background:#eef2f7;position:sticky;top:0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.heat td.n{text-align:center;min-width:26px;border:1px solid #fff}
.heat th.case{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;
vertical-align:bottom;padding:8px 4px;font-weight:600}
.heat td.cat{background:#eef2f7;font-weight:600}
svg.chart{background:#fff;border:1px solid #dde4ee;border-radius:8px;width:100%;height:auto}
svg .grid{stroke:#e3e8ef}svg .tick,svg .legend,svg .label{font-size:12px;fill:#1d2733}
svg .total{font-size:12px;font-weight:600;fill:#1d2733}svg .axis{font-size:12px;fill:#5b6675}
blockquote{margin:6px 0 10px;padding:6px 12px;background:#fff;border-left:4px solid #2a9d8f;
border-radius:4px}
blockquote footer{color:#5b6675;font-size:12px}
.code{margin-bottom:14px}.code h3 small{color:#5b6675;font-weight:400}
.empty{color:#5b6675;font-style:italic}
nav a{color:#2a6f97}
"""


NAV = ('<nav class="meta"><a href="#overview">Overview</a> · <a href="#stages">Stages</a> · '
       '<a href="#cases">Codes by case</a> · <a href="#tables">Thematic tables</a> · '
       '<a href="#quotes">Example quotes</a></nav>')


def write_report(project: Project, output: Path, *, status: str = "accepted",
                 coders: Sequence[str] | None = None, quotes: int = 3) -> Path:
    """Build the report of ``project`` and write it to ``output``; returns the path."""
    from qualcode.export.segments import project_label, resolve_statuses
    from qualcode.thematic import thematic_tables

    dataset = load_dataset(project, statuses=resolve_statuses(status), coders=coders, texts=True)
    title = project.path.stem if project.path is not None else project_label(project)
    html = build_report(dataset, thematic_tables(dataset), title=title, status=status,
                        quotes=quotes)
    with atomic_text(output) as handle:
        handle.write(html)
    return output


def build_report(dataset: Dataset, tables: Tables, *, title: str, status: str = "accepted",
                 quotes: int = 3) -> str:
    """The whole report as one HTML document."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    codebook = dataset.codebook
    sections = [
        f"<h1>{escape(title)}</h1>",
        (f'<p class="meta">Codebook {escape(codebook.name)} (version {escape(codebook.version)})'
         f" · codings: {escape(status)} · qualcode {escape(__version__)} · {escape(stamp)}</p>"),
        NAV,
        overview(dataset),
        '<h2 id="stages">Codings by lifecycle stage</h2>', stage_chart(dataset),
        '<h2 id="cases">Codes by case</h2>', heat_map(dataset),
        '<h2 id="tables">Thematic tables</h2>', *(html_table(t, f) for t, f in tables.values()),
        '<h2 id="quotes">Example quotes</h2>', examples(dataset, quotes),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}: qualcode report</title>\n<style>{STYLE}</style>\n"
            "</head>\n<body>\n<main>\n" + "\n".join(sections) + "\n</main>\n</body>\n</html>\n")


def overview(dataset: Dataset) -> str:
    """Counts of the project as cards, and codings per coder."""
    cases = {coding_case(dataset, name) for name in dataset.documents}
    used = {row["code_id"] for row in dataset.codings}
    codes = [c for c in dataset.codebook.codes if c.kind == "code"]
    words = sum(len(info.text.split()) for info in dataset.documents.values())
    by_coder: dict[str, int] = defaultdict(int)
    for row in dataset.codings:
        by_coder[row["coder"]] += 1
    cards = [("documents", len(dataset.documents)), ("cases", len(cases)),
             ("words", f"{words:,}"), ("codings", len(dataset.codings)),
             ("codes used", f"{len(used)} of {len(codes)}"), ("coders", len(by_coder))]
    html = ['<h2 id="overview">Overview</h2>', '<div class="cards">']
    html += [f'<div class="card"><b>{escape(str(v))}</b><span>{escape(k)}</span></div>'
             for k, v in cards]
    html.append("</div>")
    if by_coder:
        html.append('<p class="meta">Codings per coder: ' + ", ".join(
            f"{escape(name)} {count}" for name, count in sorted(by_coder.items())) + "</p>")
    return "\n".join(html)


def stage_chart(dataset: Dataset) -> str:
    """Codings per stage, stacked by category, as an SVG chart."""
    summary = stage_summary(dataset)
    series = [(str(name), [float(v) for v in summary[name]]) for name in summary.columns[1:]]
    series = [(name, values) for name, values in series if any(values)]
    if summary.empty or not series:
        return '<p class="empty">No codings with a lifecycle stage.</p>'
    return stacked_bars([str(s) for s in summary["stage"]], series,
                        title="Codings by lifecycle stage, stacked by category",
                        y_label="codings")


def heat_map(dataset: Dataset) -> str:
    """Codes (rows, by category) x cases (columns), each cell coloured by its codings."""
    matrix = code_matrix(dataset, cols="case")
    cases = [str(c) for c in matrix.columns[2:]]
    if not cases or matrix.empty:
        return '<p class="empty">No codes or cases yet.</p>'
    top = float(matrix[cases].to_numpy().max()) if len(matrix) else 0.0
    rows = ['<div class="scroll"><table class="heat"><thead><tr><th>code</th>' +
            "".join(f'<th class="case">{escape(c)}</th>' for c in cases) + "</tr></thead><tbody>"]
    category = None
    for record in matrix.itertuples(index=False):
        code = dataset.code(str(record[0]))
        if code is not None and code.category != category:
            category = code.category
            rows.append(f'<tr><td class="cat" colspan="{len(cases) + 1}">'
                        f"{escape(_name(dataset, category))}</td></tr>")
        cells = "".join(f'<td class="n" style="background:{heat_colour(float(v), top)}"'
                        f' title="{escape(c)}: {int(v)}">{int(v) if v else ""}</td>'
                        for c, v in zip(cases, record[2:], strict=True))
        rows.append(f'<tr><td title="{escape(str(record[0]))}">{escape(str(record[1]))}</td>'
                    f"{cells}</tr>")
    rows.append("</tbody></table></div>")
    return "\n".join(rows)


def html_table(title: str, frame: pd.DataFrame) -> str:
    """A titled table; numbers right-aligned, missing values empty."""
    from qualcode.export.tables import cell_text, numeric_columns

    numeric = numeric_columns(frame)
    head = "".join(f"<th>{escape(cell_text(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False, name=None):
        cells = "".join(f'<td{" class=n" if num else ""}>{escape(cell_text(v))}</td>'
                        for v, num in zip(row, numeric, strict=True))
        body.append(f"<tr>{cells}</tr>")
    rows = "\n".join(body) or f'<tr><td colspan="{max(1, frame.shape[1])}" class="empty">' \
                                "No rows.</td></tr>"
    return (f"<h3>{escape(title)}</h3>\n<div class=\"scroll\"><table><thead><tr>{head}</tr>"
            f"</thead><tbody>\n{rows}\n</tbody></table></div>")


def examples(dataset: Dataset, per_code: int) -> str:
    """Up to ``per_code`` quotes per code: different cases first, in document order."""
    by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in dataset.codings:
        by_code[row["code_id"]].append(row)
    html = []
    for code in (c for c in dataset.codebook.codes if c.kind == "code" and by_code.get(c.id)):
        chosen = _pick(dataset, by_code[code.id], per_code)
        if not chosen:
            continue
        html.append(f'<div class="code"><h3>{escape(code.name)} <small>{escape(code.id)} · '
                    f"{len(by_code[code.id])} coding(s)</small></h3>")
        for row in chosen:
            where = f"{coding_case(dataset, row['document'])} · {row['document']} · {row['coder']}"
            html.append(f"<blockquote>{escape(row['quote'])}<footer>{escape(where)}</footer>"
                        "</blockquote>")
        html.append("</div>")
    return "\n".join(html) or '<p class="empty">No codings yet.</p>'


def _pick(dataset: Dataset, rows: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    seen: set[str] = set()
    first: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    for row in rows:
        case = coding_case(dataset, row["document"])
        (rest if case in seen else first).append(row)
        seen.add(case)
    return (first + rest)[:count]


def _name(dataset: Dataset, code_id: str) -> str:
    code = dataset.code(code_id)
    return code.name if code is not None else code_id
