"""REFI-QDA exchange: .qdc and .qdpx files written by qualcode validate against the
standard's schemas and read back losslessly; the files of other programs import with the
summary pinned here, and whatever cannot be placed is reported item by item.

The schemas and samples live in ../shared/refi-qda; the tests that need them skip when
that folder is absent.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qualcode.cli import cli
from qualcode.models import Code
from qualcode.refi.codebook import fold_description, unfold_description
from qualcode.refi.importer import ImportSummary, import_qdc, import_qdpx, read_qdc
from qualcode.refi.writer import export_qdc, export_qdpx
from qualcode.store import Project, open_project
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store.meta import codebook_content
from tests.conftest import assert_invariants
from tests.exports_sample import REFI, sample_path

SAMPLES = REFI / "samples"
Imported = tuple[Project, ImportSummary]
needs_shared = pytest.mark.skipif(not REFI.is_dir(), reason="../shared/refi-qda is absent")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    with open_project(sample_path(tmp_path_factory), create=False) as project:
        yield project


@pytest.fixture(scope="module")
def qdpx(sample: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("qdpx") / "sample.qdpx"
    export_qdpx(sample, target)
    return target


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Imported]]:
    """Each sample imported once into a project of its own (the big ones take seconds)."""
    done: dict[str, Imported] = {}
    opened: list[Project] = []

    def load(name: str) -> Imported:
        if name not in done:
            project = open_project(tmp_path_factory.mktemp("sample") / "p.db")
            opened.append(project)
            done[name] = (project, import_qdpx(project, SAMPLES / name))
        return done[name]

    yield load
    for project in opened:
        project.close()


def validate(data: bytes, schema: str) -> None:
    """Fail with the schema's messages unless ``data`` is valid against ``schema``."""
    from lxml import etree

    xsd = etree.XMLSchema(etree.parse(str(REFI / "schema" / schema)))
    document = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    assert xsd.validate(document), [str(error) for error in xsd.error_log]


def description(content: str | None) -> str:
    from ruamel.yaml import YAML

    return str(YAML(typ="safe").load(content or "{}").get("description", ""))


def snapshot(project: Project) -> dict[str, Any]:
    """Everything a round trip must keep."""
    with project.read() as conn:
        docs = store_documents.all_documents(conn)
        codebook = store_codes.project_codebook(conn)
        assert codebook is not None
        return {
            "documents": sorted((d.name, d.text_sha256, d.case, d.format, d.source_path,
                                 d.source_sha256, tuple(sorted(d.attributes.items())))
                                for d in docs),
            "turns": {d.name: store_documents.document_turns(conn, d.id) for d in docs},
            "codebook": (codebook.name, codebook.version, description(codebook_content(conn))),
            "codes": [replace(code, line=None) for code in codebook.codes],
            "codings": sorted((c.document, c.start, c.end, c.quote, c.code, c.coder, c.status,
                               c.origin, c.score, c.rationale, c.memo, c.created_at)
                              for c in store_codings.find_codings(conn)),
            "cases": [(c.name, dict(c.attributes)) for c in store_cases.list_cases(conn)],
        }


# -- descriptions ------------------------------------------------------------------------------

def test_definitions_fold_into_a_readable_description_and_back() -> None:
    code = Code("a", "A", definition="What it is.\n\nTwo paragraphs.", include="This.",
                exclude="Not that.")
    text = fold_description(code)
    assert text == "What it is.\n\nTwo paragraphs.\n\nInclude: This.\n\nExclude: Not that."
    assert unfold_description(text) == ("What it is.\n\nTwo paragraphs.", "This.", "Not that.")
    assert unfold_description("Exclude: only this") == ("", "", "only this")
    assert unfold_description("Plain words from NVivo.") == ("Plain words from NVivo.", "", "")
    assert fold_description(Code("b", "B", include="x")) == "Include: x"


# -- writing -------------------------------------------------------------------------------------

@needs_shared
def test_qdc_validates_and_reads_back(sample: Project, tmp_path: Path) -> None:
    result = export_qdc(sample, tmp_path / "codebook.qdc")
    assert result.codes == 62
    data = (tmp_path / "codebook.qdc").read_bytes()
    validate(data, "Codebook.xsd")
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<CodeBook '
                           b'xmlns="urn:QDA-XML:codebook:1.0" origin="qualcode 0.1.0">')
    codebook, problems = read_qdc(tmp_path / "codebook.qdc")
    assert problems == []
    with sample.read() as conn:
        original = store_codes.project_codebook(conn)
    assert original is not None
    assert (codebook.name, codebook.version) == (original.name, original.version)
    assert codebook.description.startswith("Codes for interviews with developers of open large")
    assert [replace(c, line=None) for c in codebook.codes] == list(original.codes)


@needs_shared
def test_qdc_shows_categories_colours_and_descriptions(sample: Project, tmp_path: Path) -> None:
    from xml.etree import ElementTree as ET

    export_qdc(sample, tmp_path / "codebook.qdc")
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    root = ET.parse(tmp_path / "codebook.qdc").getroot()
    top = root.findall("q:Codes/q:Code", ns)
    assert [c.get("name") for c in top][:2] == ["Lifecycle stage", "Collaboration challenge"]
    assert {c.get("isCodable") for c in top} == {"false"}  # categories
    pre = top[0].find("q:Code", ns)
    assert pre is not None
    assert (pre.get("name"), pre.get("isCodable"), pre.get("color")) == (
        "Pre-training", "true", "#8C8C8C")
    description = pre.findtext("q:Description", "", ns)
    assert description.startswith("Building a base model from the ground up")
    assert "\n\nInclude: Data curation for the base model" in description
    assert "\n\nExclude: Adapting a model that already exists" in description


@needs_shared
def test_qdpx_layout_and_schema(sample: Project, qdpx: Path) -> None:
    from xml.etree import ElementTree as ET

    with zipfile.ZipFile(qdpx) as archive:
        names = archive.namelist()
        qde = archive.read("project.qde")
        texts = {name: archive.read(name) for name in names if name != "project.qde"}
    validate(qde, "Project-mrt2019.xsd")
    assert names[0] == "project.qde"
    assert len(texts) == 14
    assert all(n.startswith("sources/") and n.endswith(".txt") for n in texts)
    ns = {"q": "urn:QDA-XML:project:1.0"}
    root = ET.fromstring(qde)
    with sample.read() as conn:
        stored = {d.name: d.text for d in store_documents.all_documents(conn)}
    for source in root.findall("q:Sources/q:TextSource", ns):
        path = source.get("plainTextPath", "")
        assert path == f"internal://{source.get('guid')}.txt"
        body = texts[f"sources/{source.get('guid')}.txt"]
        assert body == stored[source.get("name", "")].encode("utf-8")  # no BOM, as stored
    assert [u.get("name") for u in root.findall("q:Users/q:User", ns)] == ["researcher"]
    assert len(root.findall(".//q:PlainTextSelection/q:Coding", ns)) == 600
    assert len(root.findall("q:Variables/q:Variable", ns)) == 10
    case = root.find("q:Cases/q:Case[@name='AI2']", ns)
    assert case is not None
    assert len(case.findall("q:SourceRef", ns)) == 1
    notes = root.findall("q:Notes/q:Note", ns)
    refs = root.findall(".//q:Coding/q:NoteRef", ns)
    assert len(notes) == len(refs) > 0  # every memo is a note, referenced by its coding
    assert {n.get("guid") for n in notes} == {r.get("targetGUID") for r in refs}


def test_qdpx_is_reproducible(loaded: Project, tmp_path: Path) -> None:
    from qualcode.coding import add_coding

    add_coding(loaded, document="interview-a", code="domain.compute", coder="alice",
               quote="We had compute from a public cluster", memo="a memo")
    export_qdpx(loaded, tmp_path / "one.qdpx")
    export_qdpx(loaded, tmp_path / "two.qdpx")
    assert (tmp_path / "one.qdpx").read_bytes() == (tmp_path / "two.qdpx").read_bytes()


# -- round trip ----------------------------------------------------------------------------------

def test_round_trip_keeps_everything(sample: Project, qdpx: Path, tmp_path: Path) -> None:
    with open_project(tmp_path / "copy.db") as copy:
        summary = import_qdpx(copy, qdpx)
        assert (summary.documents, summary.codes, summary.codings, summary.cases) == (14, 62, 600,
                                                                                    14)
        assert summary.problems == []
        assert set(summary.models.values()) == {"code points, CRLF = 2"}
        assert snapshot(copy) == snapshot(sample)
        assert_invariants(copy)
        again = import_qdpx(copy, qdpx)  # nothing new the second time
        assert (again.documents, again.matched, again.codes, again.codings, again.duplicates) == (
            0, 14, 0, 0, 600)


def test_round_trip_keeps_statuses_scores_and_astral_text(loaded: Project, tmp_path: Path) -> None:
    from qualcode.coding import add_coding
    from qualcode.store.engine import now

    add_coding(loaded, document="interview-a", code="domain.models", coder="bob",
               quote="Some of them 🤝 sent fixes back.", memo="emoji inside")
    with loaded.write() as conn:
        doc = store_documents.find_document(conn, "interview-b")
        assert doc is not None
        start = doc.text.index("We kept")
        store_codings.insert_codings(conn, doc.id, doc.text, [
            replace(_coding("interview-b", doc.text, start, start + 7), origin="model",
                    status="suggested", score=0.75, rationale="cue: kept", created_at=now())])
    export_qdpx(loaded, tmp_path / "p.qdpx", status="all")
    with open_project(tmp_path / "copy.db") as copy:
        assert import_qdpx(copy, tmp_path / "p.qdpx").problems == []
        assert snapshot(copy) == snapshot(loaded)


def _selections(path: Path) -> list[tuple[str, int, int]]:
    """(source text, start, end) of every selection in a .qdpx."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        found = []
        for source in root.iter("{urn:QDA-XML:project:1.0}TextSource"):
            inside = source.get("plainTextPath", "").removeprefix("internal://")
            text = archive.read(f"sources/{inside}").decode("utf-8")
            found += [(text, int(s.get("startPosition", "")), int(s.get("endPosition", "")))
                      for s in source.iter("{urn:QDA-XML:project:1.0}PlainTextSelection")]
    return found


def test_export_for_nvivo_counts_utf16_units(loaded: Project, tmp_path: Path) -> None:
    from qualcode.coding import add_coding

    add_coding(loaded, document="interview-a", code="domain.models", coder="bob",
               quote="Some of them 🤝 sent fixes back.")
    add_coding(loaded, document="interview-a", code="domain.compute", coder="bob",
               quote="sent fixes back.")  # wholly after the emoji
    with loaded.read() as conn:
        quotes = sorted(c.quote for c in store_codings.find_codings(conn))
    export_qdpx(loaded, tmp_path / "any.qdpx")
    done = CliRunner().invoke(cli, ["export", "qdpx", "--project", str(loaded.path),
                                    "-o", str(tmp_path / "nvivo.qdpx"), "--for", "nvivo"])
    assert done.exit_code == 0, done.output
    standard, nvivo = _selections(tmp_path / "any.qdpx"), _selections(tmp_path / "nvivo.qdpx")
    assert sorted(text[start:end] for text, start, end in standard) == quotes
    assert sorted(text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")
                  for text, start, end in nvivo) == quotes
    # the span after the emoji moves by one position, the span over it ends one later
    moved = {(a[1], a[2], b[1], b[2]) for a, b in zip(standard, nvivo, strict=True) if a != b}
    assert {(b_start - a_start, b_end - a_end) for a_start, a_end, b_start, b_end in moved} == \
        {(1, 1), (0, 1)}
    with open_project(tmp_path / "copy.db") as copy:  # qualcode reads its NVivo export back
        summary = import_qdpx(copy, tmp_path / "nvivo.qdpx")
        assert summary.problems == []
        assert "NVivo" in summary.origin
        assert snapshot(copy) == snapshot(loaded)


def test_export_for_an_unknown_program_is_refused(loaded: Project, tmp_path: Path) -> None:
    from qualcode.errors import ExportError

    with pytest.raises(ExportError) as caught:
        export_qdpx(loaded, tmp_path / "p.qdpx", target="dedoose")
    assert str(caught.value) == (f"{tmp_path / 'p.qdpx'}: unknown target program 'dedoose' "
                                 "(choose from any, nvivo)")
    assert not (tmp_path / "p.qdpx").exists()


def _coding(document: str, text: str, start: int, end: int) -> Any:
    from qualcode.models import Coding

    return Coding(document=document, start=start, end=end, quote=text[start:end],
                  code="challenge.copyright", coder="model")


def test_accepted_only_by_default(loaded: Project, tmp_path: Path) -> None:
    with loaded.write() as conn:
        doc = store_documents.find_document(conn, "interview-b")
        assert doc is not None
        store_codings.insert_codings(conn, doc.id, doc.text, [
            replace(_coding("interview-b", doc.text, 0, 5), status="suggested")])
    assert export_qdpx(loaded, tmp_path / "a.qdpx").codings == 0
    assert export_qdpx(loaded, tmp_path / "b.qdpx", status="all").codings == 1


# -- other programs ------------------------------------------------------------------------------

SAMPLE_SUMMARIES = [
    # file, documents, codes added, codings, problems
    ("atlasti-mac-8.4/Project.qde", 0, 15, 0, 32),
    ("atlasti-windows-23.2/blank-atlas-project.qdpx", 0, 0, 0, 0),
    ("atlasti-windows-23.2/target-atlas-project.qdpx", 0, 4, 0, 0),
    ("maxqda-24.7/2025-06-16_ICLS_Conf_Themes_ALL_just10.qdpx", 10, 308, 0, 2),
    ("nvivo-mac-12.7/OltasSzkepticizmus_17June.qdpx", 2, 153, 297, 0),
    ("nvivo-mac-15.0/nvivo_project.qdpx", 0, 263, 0, 2),
    ("nvivo-windows-12.6/oltas0517.qdpx", 2, 153, 303, 0),
    ("qc-1.3.2/demo.qdpx", 2, 263, 205, 0),
]


@needs_shared
@pytest.mark.parametrize(("name", "documents", "codes", "codings", "problems"), SAMPLE_SUMMARIES)
def test_samples_import(imported: Callable[[str], Imported], name: str, documents: int,
                        codes: int, codings: int, problems: int) -> None:
    project, summary = imported(name)
    found = (summary.documents, summary.codes, summary.codings, len(summary.problems))
    assert found == (documents, codes, codings, problems), summary.problems
    assert_invariants(project)


@needs_shared
def test_nvivo_positions_count_utf16_units_and_crlf_as_two(
        imported: Callable[[str], Imported]) -> None:
    project, summary = imported("nvivo-windows-12.6/oltas0517.qdpx")
    assert set(summary.models.values()) == {"UTF-16 units, CRLF = 2"}
    with project.read() as conn:
        docs = {d.name: d.text for d in store_documents.all_documents(conn)}
        codings = store_codings.find_codings(conn)
    # NVivo codes whole comments: 274 of the 303 selections run from line start to line end
    whole = [c for c in codings if c.start == 0 or docs[c.document][c.start - 1] == "\n"
             if c.end == len(docs[c.document]) or docs[c.document][c.end] == "\n"]
    assert (len(codings), len(whole)) == (303, 274)
    assert codings[0].coder in {"Gergo", "floriansipos"}


@needs_shared
def test_atlas_sample_reports_what_it_cannot_place(imported: Callable[[str], Imported]) -> None:
    problems = imported("atlasti-mac-8.4/Project.qde")[1].problems
    assert "Project.qde: source 'Simon': the file 'internal://C1C745F7-8E4D-48B2-9710-" \
           "655AFE7E54FA.txt' is not in the archive; not imported (3 coding(s) lost)" in problems
    assert "Project.qde: PictureSource 'cornflakes-n-milk.jpg': not imported; qualcode imports " \
           "text sources only (2 coding(s) lost)" in problems
    assert "Project.qde: note 'Research Plan' is not attached to a coding; kept in the " \
           "import's log entry" in problems
    assert "Project.qde: Graph 'Netzwerk' not imported (qualcode has no such thing)" in problems


@needs_shared
def test_atlas_flat_names_nest_again(imported: Callable[[str], Imported]) -> None:
    project = imported("atlasti-mac-8.4/Project.qde")[0]
    with project.read() as conn:
        codes = {c.id: c for c in store_codes.list_codes(conn)}
    assert (codes["coke.diet-coke"].name, codes["coke.diet-coke"].parent) == ("diet Coke", "coke")
    assert codes["coke"].definition == "the breakfast of champions"
    assert codes["happiness"].colour == "#F00082"


@needs_shared
def test_nvivo_mac_empty_text_is_reported_not_imported(
        imported: Callable[[str], Imported]) -> None:
    problems = imported("nvivo-mac-15.0/nvivo_project.qdpx")[1].problems
    assert problems[0] == (
        "nvivo_project.qdpx: source '66653866-6334-3535-3435-366637306566': the plain text is "
        "empty (the text may be only in the .docx); not imported")


@needs_shared
def test_taguette_codebook_is_invalid_but_imports(tmp_path: Path) -> None:
    from lxml import etree

    path = SAMPLES / "taguette-1.4.1/codebook.qdc"
    xsd = etree.XMLSchema(etree.parse(str(REFI / "schema" / "Codebook.xsd")))
    assert not xsd.validate(etree.parse(str(path)))  # its empty <Sets/>
    with open_project(tmp_path / "p.db") as project:
        summary = import_qdc(project, path)
        assert (summary.codes, summary.problems) == (4, [])
        with project.read() as conn:
            names = [c.name for c in store_codes.list_codes(conn)]
    assert names == ["Imported codes", "xsd:element name", "CodeBook", "Variables"]


@needs_shared
def test_import_into_an_existing_project_adds_codes_and_keeps_its_own(loaded: Project) -> None:
    summary = import_qdpx(loaded, SAMPLES / "qc-1.3.2/demo.qdpx")
    assert (summary.documents, summary.codes, summary.codings) == (2, 263, 205)
    with loaded.read() as conn:
        codebook = store_codes.project_codebook(conn)
        names = store_documents.document_names(conn)
    assert codebook is not None
    assert codebook.version == "1+demo"
    assert codebook.codes[0].id == "stage"  # the project's codes come first, unchanged
    assert names == ["admin-1", "board_2017", "interview-a", "interview-b"]
    assert_invariants(loaded)


def test_a_different_text_under_a_known_name_is_not_imported(loaded: Project,
                                                             tmp_path: Path) -> None:
    export_qdpx(loaded, tmp_path / "p.qdpx")
    with open_project(tmp_path / "other.db") as other:
        from qualcode.corpus import ingest_paths
        from qualcode.project import install_codebook

        install_codebook(other, Path(__file__).parent / "data" / "project" / "codebook.yaml")
        (tmp_path / "interview-a.txt").write_text("P01: A different text.\n", encoding="utf-8")
        ingest_paths(other, [tmp_path / "interview-a.txt"])
        summary = import_qdpx(other, tmp_path / "p.qdpx")
    assert summary.problems == [
        ("source 'interview-a': a document with this name and another text is already in the "
        "project; not imported (0 coding(s) lost)")]
    assert summary.documents == 1


def test_cli_import_and_export(loaded: Project, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "p.qdpx"
    result = runner.invoke(cli, ["export", "qdpx", "-o", str(out), "--project", loaded.target])
    assert (result.exit_code, result.stderr) == (
        0, f"wrote 2 document(s), 9 code(s) and 0 coding(s) to {out}\n")
    result = runner.invoke(cli, ["import", "qdpx", str(out), "--project", str(tmp_path / "n.db")])
    assert (result.exit_code, result.stderr) == (
        0, (f"{out}: 2 document(s) added (0 already there), 9 code(s), 0 coding(s) (0 already "
           "there), 2 case(s); 0 problem(s)\n"))
    result = runner.invoke(cli, ["export", "qdc", "-o", str(tmp_path / "c.xml"),
                                 "--project", loaded.target])
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {tmp_path / 'c.xml'}: a REFI-QDA file here must end in .qdc\n")
    runner.invoke(cli, ["export", "qdc", "-o", str(tmp_path / "c.qdc"), "--project",
                        loaded.target])
    result = runner.invoke(cli, ["import", "qdc", str(tmp_path / "c.qdc"), "-o",
                                 str(tmp_path / "c.yaml")])
    assert (result.exit_code, result.stderr) == (0, f"wrote 9 code(s) to {tmp_path / 'c.yaml'}\n")
    assert (tmp_path / "c.yaml").read_text(encoding="utf-8").startswith("name: Test codebook\n")


@needs_shared
def test_cli_import_reports_problems_with_exit_code_3(tmp_path: Path) -> None:
    name = SAMPLES / "atlasti-windows-23.2/target-atlas-project.qdpx"
    result = CliRunner().invoke(cli, ["import", "qdpx", str(name), "--project",
                                      str(tmp_path / "t.db")])
    assert (result.exit_code, result.stderr) == (
        0, (f"{name}: 0 document(s) added (0 already there), 4 code(s), 0 coding(s) (0 already "
           "there), 0 case(s); 0 problem(s)\n"))
    name = SAMPLES / "atlasti-mac-8.4/Project.qde"
    result = CliRunner().invoke(cli, ["import", "qdpx", str(name), "--project",
                                      str(tmp_path / "m.db")])
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 33
    assert lines[0] == (
        "Warning: Project.qde: source '1960s Coca Cola commercial - Audio': the file "
        "'internal://01106019-2518-43DD-BBD1-8F0252BACB30.txt' is not in the archive; "
        "not imported")
    assert lines[-1] == (f"{name}: 0 document(s) added (0 already there), 15 code(s), 0 "
                         "coding(s) (0 already there), 0 case(s); 32 problem(s)")


CASES_QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="hand" origin="MAXQDA 24">
  <Variables>
    <Variable guid="00000000-0000-0000-0000-0000000000E1" name="age" typeOfVariable="Integer"/>
    <Variable guid="00000000-0000-0000-0000-0000000000E2" name="group" typeOfVariable="Text"/>
  </Variables>
  <Cases>
    <Case guid="00000000-0000-0000-0000-0000000000F1" name="Anna">
      <CodeRef targetGUID="00000000-0000-0000-0000-0000000000C1"/>
      <VariableValue><VariableRef targetGUID="00000000-0000-0000-0000-0000000000E1"/>
        <IntegerValue>41</IntegerValue></VariableValue>
      <VariableValue><VariableRef targetGUID="00000000-0000-0000-0000-0000000000EE"/>
        <TextValue>lost</TextValue></VariableValue>
      <SourceRef targetGUID="00000000-0000-0000-0000-0000000000B1"/>
    </Case>
    <Case guid="00000000-0000-0000-0000-0000000000F2">
      <VariableValue><VariableRef targetGUID="00000000-0000-0000-0000-0000000000E2"/>
        <TextValue>pilot</TextValue></VariableValue>
      <SourceRef targetGUID="00000000-0000-0000-0000-0000000000B2"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="00000000-0000-0000-0000-0000000000B1" name="anna.docx">
      <PlainTextContent>Anna: hello there</PlainTextContent></TextSource>
    <TextSource guid="00000000-0000-0000-0000-0000000000B2" name="ben.txt">
      <PlainTextContent>Ben: hi</PlainTextContent></TextSource>
  </Sources>
  <Description>A project memo.</Description>
</Project>
"""


def test_cases_variables_and_document_variables(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "cases.qde"
    path.write_text(CASES_QDE, encoding="utf-8")
    summary = import_qdpx(project, path)
    assert summary.problems == [
        "cases.qde: a value of 'Anna' names no known variable (or has no value); not imported",
        ("cases.qde: case 'Anna': 1 code(s) applied to the whole case are not imported; qualcode "
        "codes passages"),
        "cases.qde: the project's description is kept in the import's log entry",
    ]
    with project.read() as conn:
        cases = {c.name: dict(c.attributes) for c in store_cases.list_cases(conn)}
        docs = {d.name: d.case for d in store_documents.all_documents(conn)}
    # a nameless case with one source carries that source's variables (MAXQDA)
    assert cases == {"Anna": {"age": "41"}, "ben": {"group": "pilot"}}
    assert docs == {"anna": "Anna", "ben": "ben"}


def test_codebook_sets_are_reported(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "sets.qdc"
    path.write_text(
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="00000000-0000-0000-0000-'
        '0000000000C1" name="Only" isCodable="true"/></Codes><Sets><Set guid="00000000-0000-0000-'
        '0000-0000000000D1" name="Family"><MemberCode guid="00000000-0000-0000-0000-0000000000C1"'
        "/></Set></Sets></CodeBook>", encoding="utf-8")
    summary = import_qdc(project, path)
    assert (summary.codes, summary.problems) == (
        2, ["sets.qdc: Set 'Family' not imported (qualcode has no sets)"])


def test_a_code_whose_id_is_a_category_of_the_project_is_renamed(loaded: Project,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "clash.qde"
    path.write_text(
        '<Project xmlns="urn:QDA-XML:project:1.0" name="c"><Users><User guid="00000000-0000-0000-'
        '0000-0000000000A1" name="ann"/></Users><CodeBook><Codes><Code guid="00000000-0000-0000-'
        '0000-0000000000C1" name="Domain" isCodable="true"/></Codes></CodeBook><Sources>'
        '<TextSource guid="00000000-0000-0000-0000-0000000000B1" name="note.txt"><PlainTextContent>'
        'Data matters.</PlainTextContent><PlainTextSelection guid="00000000-0000-0000-0000-'
        '0000000000D1" startPosition="0" endPosition="4"><Coding guid="00000000-0000-0000-0000-'
        '0000000000D2" creatingUser="00000000-0000-0000-0000-0000000000A1"><CodeRef targetGUID='
        '"00000000-0000-0000-0000-0000000000C1"/></Coding></PlainTextSelection></TextSource>'
        "</Sources></Project>", encoding="utf-8")
    summary = import_qdpx(loaded, path)
    assert (summary.codes, summary.codings, summary.problems) == (2, 1, [])
    with loaded.read() as conn:
        codes = {c.id: c for c in store_codes.list_codes(conn)}
        (coding,) = store_codings.find_codings(conn, document="note")
    assert codes["domain"].kind == "category"  # the project's own category is untouched
    assert (codes["domain-2"].name, codes["domain-2"].category) == ("Domain", "imported")
    assert (coding.code, coding.quote, coding.coder) == ("domain-2", "Data", "ann")
    assert_invariants(loaded)
