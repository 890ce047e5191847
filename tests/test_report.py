"""The HTML report: one self-contained file, every text from the data escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from qualcode.cli import cli
from qualcode.export.svg import heat_colour, nice_step, stacked_bars
from qualcode.report import build_report, examples
from qualcode.thematic import thematic_tables
from tests.exports_sample import sample_path
from tests.test_thematic import make_dataset

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


class _Tags(HTMLParser):
    """Collects start tags and the attributes that could fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetching: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.fetching += [(tag, name) for name, _ in attrs if name in ("src", "href")
                          and not (dict(attrs).get(name) or "").startswith("#")]


def parse(html: str) -> _Tags:
    tags = _Tags()
    tags.feed(html)
    return tags


@pytest.fixture(scope="module")
def sample_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(cli, ["report", "-o", str(target), "--project",
                                      str(sample_path(tmp_path_factory))])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {target}\n"
    return target.read_text(encoding="utf-8")


def test_report_is_one_self_contained_file(sample_html: str) -> None:
    tags = parse(sample_html)
    assert tags.fetching == []  # only links inside the page
    assert "script" not in tags.tags
    assert "link" not in tags.tags
    assert "img" not in tags.tags
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/2000/svg)", sample_html)
    assert sample_html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert tags.tags.count("svg") == 1


def test_report_has_every_section(sample_html: str) -> None:
    for heading in ("Overview", "Codings by lifecycle stage", "Codes by case", "Thematic tables",
                    "Example quotes"):
        assert f">{heading}</h2>" in sample_html
    assert '<div class="card"><b>600</b><span>codings</span></div>' in sample_html
    assert '<div class="card"><b>55 of 56</b><span>codes used</span></div>' in sample_html
    assert "<h3>Sample: cases, organisations and interviews</h3>" in sample_html
    assert sample_html.count('<th class="case">') == 14  # a heat map column per case
    assert "<title>Pre-training: Collaboration challenge" in sample_html  # a bar's tooltip
    assert sample_html.count("<blockquote>") <= 3 * 56


def test_everything_from_the_data_is_escaped() -> None:
    ds = make_dataset()
    codes = tuple(replace(c, name=HOSTILE) if c.id == "challenge.a" else c
                  for c in ds.codebook.codes)
    ds = replace(ds, codebook=replace(ds.codebook, codes=codes, name=HOSTILE))
    ds.codings[0]["quote"] = HOSTILE
    ds.cases["Beta"]["region"] = HOSTILE
    html = build_report(ds, thematic_tables(ds), title=HOSTILE)
    tags = parse(html)
    assert "script" not in tags.tags
    assert "img" not in tags.tags
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in html


def test_examples_prefer_different_cases() -> None:
    ds = make_dataset()
    html = examples(ds, 2)
    block = html.split("<h3>Access")[1].split("</div>")[0]
    assert block.count("<blockquote>") == 2  # doc2 (alpha) and doc4 (gamma)
    assert "alpha · doc2" in block
    assert "gamma · doc4" in block


def test_charts_scale_and_colour() -> None:
    assert [nice_step(v) for v in (0, 7, 12, 152, 1000)] == [1.0, 2.0, 5.0, 50.0, 200.0]
    assert heat_colour(0, 10) == "#FFFFFF"
    assert heat_colour(10, 10) == "#E76F51"
    assert heat_colour(5, 0) == "#FFFFFF"
    svg = stacked_bars(["a & b"], [("<x>", [3.0]), ("y", [0.0])], title="T", y_label="n")
    assert "a &amp; b" in svg
    assert "&lt;x&gt;" in svg
    assert svg.count("<rect") == 1 + 2  # one bar part (zero parts are not drawn), two legend keys
