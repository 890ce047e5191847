"""check-privacy, the privacy checks of ingest, and pseudonymise: what is found, what is
never shown, and what the copies look like."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualcode import nlp
from qualcode.cli import cli
from qualcode.errors import ExitCode, InputError
from qualcode.ingest import read_documents
from qualcode.pii import find_all, mask
from qualcode.privacy import check_parsed, check_paths, looks_like_real_name
from qualcode.pseudonymise import read_map
from qualcode.store import Project, open_project
from qualcode.store.log import list_events
from tests.conftest import DATA, REPO, file_digest

PRIVACY = DATA / "privacy"
NOTE = "Note: no pretrained spaCy pipeline is installed; names of people were found only through --names"
# everything in hostile.md that must never be printed in full
SECRETS = ["Anna Schmidt", "Tom Baker", "tom.baker@example.org", "+44 20 7946 0958", "4 July 1975",
           "221B Baker Street", "NW1 6XE", "GB82 WEST 1234 5698 7654 32", "4111 1111 1111 1111",
           "10.0.0.7", "intranet.example.com"]
HOSTILE_LINES = [
    "hostile.md:4: speaker label with a real name: A*** S***",
    "hostile.md:4: e-mail address: t***@e***.org",
    "hostile.md:4: phone number: +** ** **** **58",
    "hostile.md:6: speaker label with a real name: T*** B***",
    "hostile.md:6: date of birth: * J*** ****",
    "hostile.md:6: street address: **** B*** S***",
    "hostile.md:6: postcode: N*** ****",
    "hostile.md:6: web address: i***.com/***",
    "hostile.md:8: bank account (IBAN): G*** W*** **** **** **** 32",
    "hostile.md:8: payment card number: **** **** **** **11",
    "hostile.md:8: IP address: **.*.*.*",
]


def _run(runner: CliRunner, folder: Path, *args: str) -> Result:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        return runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for item in PRIVACY.iterdir():
        shutil.copy(item, tmp_path / item.name)
    return tmp_path


def _assert_never_shown(*outputs: str) -> None:
    for output in outputs:
        for secret in SECRETS:
            assert secret not in output, secret


# the detectors --------------------------------------------------------------------------

FOUND = [
    ("mail me at jane.doe@example.org today", "email", "j***@e***.org"),
    ("see https://www.example.org/people/jane now", "url", "w***.org/***"),
    ("on huggingface.co/jane", "url", "h***.co/***"),
    ("server 192.168.1.20 is down", "ip_address", "***.***.*.**"),
    ("host fe80::1ff:fe23:4567:890a here", "ip_address", "f***::****:f***:****:****"),
    ("call +49 30 1234567 please", "phone", "+** ** *****67"),
    ("call (555) 123-4567 please", "phone", "(***) ***-**67"),
    ("ring 0171 1234567 later", "phone", "**** *****67"),
    ("She was born on 12 March 1985.", "date_of_birth", "** M*** ****"),
    ("DOB: 03/12/1985", "date_of_birth", "**/**/****"),
    ("at 221B Baker Street there", "street_address", "**** B*** S***"),
    ("in der Hauptstraße 12 wohnt", "street_address", "H*** **"),
    ("London NW1 6XE is", "postcode", "N*** ****"),
    ("Ottawa K1A 0B1 is", "postcode", "K*** ****"),
    ("Springfield, IL 62704 is", "postcode", "*****"),
    ("in 10115 Berlin", "postcode", "***** B***"),
    ("IBAN DE89 3704 0044 0532 0130 00 ok", "iban", "D*** **** **** **** **** 00"),
    ("card 4111-1111-1111-1111 ok", "card_number", "****-****-****-**11"),
    ("SSN 123-45-6789 ok", "id_number", "***-**-**89"),
    ("NI number AB 12 34 56 C ok", "id_number", "A*** ** ** 56 C***"),
    ("passport number X1234567 ok", "id_number", "X***"),
]


@pytest.mark.parametrize(("text", "kind", "excerpt"), FOUND)
def test_each_detector_finds_and_masks(text: str, kind: str, excerpt: str) -> None:
    (hit,) = find_all(text)
    value = text[hit.start : hit.end]
    assert (hit.kind, mask(value, hit.kind)) == (kind, excerpt)
    assert value not in excerpt


NOT_FOUND = [
    "In 2019-2023 we had 10,000 GPUs and 3.5 million downloads.",
    "The call started at 00:01:23 on 2025-05-14, and p = 0.05.",
    "We trained on H100 GPUs, A100 GB of memory, version 2.1.",
    "The interview took place on 21 May 2025 at the institute.",
    "IBAN-shaped GB00 WEST 1234 5698 7654 32 fails its checksum.",
    "A card-shaped 4111 1111 1111 1112 fails Luhn.",
    "Hugging Face, e.g. the OLMo paper, i.e. open weights.",
    "The address 999.1.1.1 is not an IP address.",
]


@pytest.mark.parametrize("text", NOT_FOUND)
def test_look_alikes_are_not_findings(text: str) -> None:
    assert find_all(text) == []


@pytest.mark.parametrize("text", ["1." * 50_000, "1-" * 50_000, "A-" * 50_000 + "weg 1",
                                  "a." * 50_000 + "com", "(1" * 50_000, "ID " * 30_000])
def test_detectors_take_linear_time(text: str) -> None:
    # each of these took minutes when a pattern could backtrack over the whole line
    started = time.monotonic()
    find_all(text)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(("label", "real"), [
    ("Anna Schmidt", True), ("Dr. Meyer", True), ("Maria de la Cruz", True),
    ("P03", False), ("Interviewer", False), ("Participant A", False), ("INT", False),
    ("Anna", False), ("Speaker 2", False), ("采访者", False), ("Interviewer 2", False),
])
def test_speaker_labels_that_look_like_real_names(label: str, real: bool) -> None:
    assert looks_like_real_name(label) is real


def test_listed_names_are_found_capitalised_only(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("P01: A rose is a rose. Rose's sister and ROSE, not Roseanne.\n", encoding="utf-8")
    report = check_paths([path], names=["Rose"], entities="none")
    assert [(f.line, f.column, f.kind, f.excerpt) for f in report.findings] == [
        (1, 24, "listed_name", "R***"), (1, 42, "listed_name", "R***")]


def test_parts_of_a_listed_full_name_are_found(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("P01: Schmidt said so, and Anna agreed.\n", encoding="utf-8")
    report = check_paths([path], names=["Anna von Schmidt"], entities="none")
    assert [str(f) for f in report.findings] == [f"{path}:1: name from your list: S***",
                                                 f"{path}:1: name from your list: A***"]


# check-privacy ----------------------------------------------------------------------------


def test_check_privacy_lists_masked_findings(folder: Path, runner: CliRunner) -> None:
    result = _run(runner, folder, "check-privacy", "hostile.md")
    assert result.exit_code == ExitCode.INVALID
    assert result.stdout.splitlines() == HOSTILE_LINES
    assert result.stderr.splitlines() == [
        NOTE, ("1 document(s) checked: 11 finding(s) in 1 document(s); edit them, or replace "
              "names with `qualcode pseudonymise`")]
    _assert_never_shown(result.stdout, result.stderr)


def test_check_privacy_json_is_masked_too(folder: Path, runner: CliRunner) -> None:
    result = _run(runner, folder, "check-privacy", "hostile.md", "--names", "names.txt", "--json")
    assert result.exit_code == ExitCode.INVALID
    report = json.loads(result.stdout)
    assert report["findings"][0] == {"document": "hostile.md", "line": 2, "column": 14,
                                     "kind": "listed_name", "excerpt": "A*** S***"}
    assert len(report["findings"]) == 14
    _assert_never_shown(result.stdout, result.stderr)


def test_the_shipped_sample_passes(runner: CliRunner, tmp_path: Path) -> None:
    result = _run(runner, tmp_path, "check-privacy", str(REPO / "transcripts_sample"))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [NOTE, "14 document(s) checked: nothing found"]
    for path in sorted((REPO / "transcripts_sample").glob("*.[tmdv]*")):
        if path.suffix in (".txt", ".md", ".docx", ".vtt"):
            assert [check_parsed(doc) for doc in read_documents(path)] == [[]], path


def test_clean_prose_with_numbers_passes(folder: Path, runner: CliRunner) -> None:
    result = _run(runner, folder, "check-privacy", "clean.txt")
    assert (result.exit_code, result.stdout) == (0, "")


def test_check_privacy_of_the_project(loaded: Project, runner: CliRunner, work: Path) -> None:
    shutil.copy(PRIVACY / "hostile.md", work / "hostile.md")
    from qualcode.corpus import ingest_paths

    ingest_paths(loaded, [work / "hostile.md"])
    result = _run(runner, work, "check-privacy", "--project", str(loaded.target))
    assert result.exit_code == ExitCode.INVALID
    assert result.stdout.splitlines()[0] == "hostile:1: speaker label with a real name: A*** S***"
    assert len(result.stdout.splitlines()) == 11


def test_unreadable_files_are_listed(folder: Path, runner: CliRunner) -> None:
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = _run(runner, folder, "check-privacy", "photo.txt", "clean.txt")
    assert result.exit_code == ExitCode.PARTIAL
    assert ("Error: photo.txt: is a PNG image, not a transcript (give the file its real suffix, "
            "or save the text as a UTF-8 .txt file)") in result.stderr.splitlines()


def test_named_entities_when_a_pipeline_is_installed(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def entities(texts: object, *, model: str) -> object:
        assert model == "xx_core_fake"
        return iter([[(0, 5, "PERSON"), (10, 15, "GPE"), (19, 23, "ORG"), (28, 37, "DATE")]])

    monkeypatch.setattr(nlp, "installed_ner_pipeline", lambda: "xx_core_fake")
    monkeypatch.setattr(nlp, "entity_spans", entities)
    path = folder / "ner.txt"
    path.write_text("Jonas met Paris at Acme, in June 2021.\n", encoding="utf-8")
    people = check_paths([path])
    assert [(f.kind, f.excerpt) for f in people.findings] == [("person", "J***")]
    assert people.notes == []
    everything = check_paths([path], entities="all")
    assert [(f.kind, f.excerpt) for f in everything.findings] == [
        ("person", "J***"), ("place", "P***"), ("organisation", "A***")]
    assert check_paths([path], entities="none").findings == []


# ingest -----------------------------------------------------------------------------------


def test_ingest_warns_with_masked_excerpts(folder: Path, runner: CliRunner) -> None:
    result = _run(runner, folder, "ingest", "hostile.md")
    assert result.exit_code == 0
    assert ("Warning: hostile.md: possible personal data: speaker label with a real name ×2 "
            "(A*** S***), e-mail address (t***@e***.org), phone number (+** ** **** **58), date "
            "of birth (* J*** ****), street address (**** B*** S***), postcode (N*** ****), "
            "web address (i***.com/***), bank account (IBAN) (G*** W*** **** **** **** 32), "
            "payment card number (**** **** **** **11), IP address (**.*.*.*); check it with "
            "`qualcode check-privacy hostile.md`") in result.stderr.splitlines()
    json_result = _run(runner, folder, "ingest", "hostile.md", "--json")
    _assert_never_shown(result.stderr, json_result.stdout, json_result.stderr)
    with open_project(folder / "qualcode.db", create=False) as project, project.read() as conn:
        payloads = json.dumps([e.payload for e in list_events(conn)])
    _assert_never_shown(payloads)


def test_ingest_strict_refuses_and_changes_nothing(folder: Path, runner: CliRunner) -> None:
    assert _run(runner, folder, "ingest", "clean.txt").exit_code == 0
    before = file_digest(folder / "qualcode.db")
    result = _run(runner, folder, "ingest", "--strict", "hostile.md")
    assert result.exit_code == ExitCode.PARTIAL
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error.startswith("Error: hostile.md: refused (--strict): possible personal data: "
                            "speaker label with a real name ×2 (A*** S***), ")
    assert error.endswith("(check it with `qualcode check-privacy hostile.md`)")
    assert file_digest(folder / "qualcode.db") == before
    _assert_never_shown(result.stdout, result.stderr)


# pseudonymise -----------------------------------------------------------------------------


def test_pseudonymise_replaces_whole_capitalised_names(folder: Path, runner: CliRunner) -> None:
    originals = folder / "originals"
    originals.mkdir()
    (originals / "talk.txt").write_bytes(
        "Interviewer: Did ANNA call Tom? annabel, anna and Annabel.\r\n"
        "P01: Anna’s idea, Anna's plan, Tom\nBaker too. Rose said a rose.\r\n".encode())
    result = _run(runner, folder, "pseudonymise", "originals", "--map", "map.csv", "-o", "copies")
    assert result.exit_code == 0, result.stderr
    assert (folder / "copies" / "talk.txt").read_bytes() == (
        "Interviewer: Did BETH call P04? annabel, anna and Annabel.\r\n"
        "P01: Beth’s idea, Beth's plan, P04 too. P05 said a rose.\r\n".encode())
    assert result.stderr.splitlines() == [
        "copies/talk.txt: 6 replacement(s) (Beth ×3, P04 ×2, P05 ×1)",
        "wrote 1 file(s) to copies and the key to copies-key.csv; keep the key apart from the data"]
    assert (folder / "copies-key.csv").read_text(encoding="utf-8") == (
        "pseudonym,name,replacements,files\nBeth,Anna,3,talk.txt\n"
        "Interviewer,Anna Schmidt,0,\nP04,Tom,1,talk.txt\nP04,Tom Baker,1,talk.txt\n"
        "P05,Rose,1,talk.txt\n")
    assert not (folder / "qualcode.db").exists()
    _assert_never_shown(result.stdout, result.stderr)


def test_pseudonymise_twice_gives_the_same_files(folder: Path, runner: CliRunner) -> None:
    for run in ("first", "second"):
        result = _run(runner, folder, "pseudonymise", "hostile.md", "--map", "map.csv",
                      "-o", "out", "--key", f"{run}-key.csv")
        assert result.exit_code == 0
        (folder / f"{run}.md").write_bytes((folder / "out" / "hostile.md").read_bytes())
    assert (folder / "first.md").read_bytes() == (folder / "second.md").read_bytes()
    assert (folder / "first-key.csv").read_bytes() == (folder / "second-key.csv").read_bytes()
    copy = (folder / "first.md").read_text(encoding="utf-8")
    assert "Anna" not in copy
    assert "Tom Baker" not in copy
    assert copy.splitlines()[3].startswith("**Interviewer:** Thanks for joining, P04. Write to ")


def test_pseudonymise_docx_becomes_text(folder: Path, runner: CliRunner) -> None:
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Interview with Anna Schmidt"
    document.add_paragraph("Interviewer: Hello Tom.")
    document.add_paragraph("P04: Hello Anna.")
    document.save(str(folder / "talk.docx"))
    result = _run(runner, folder, "pseudonymise", "talk.docx", "--map", "map.csv", "-o", "out")
    assert result.exit_code == 0
    assert (folder / "out" / "talk.txt").read_text(encoding="utf-8") == (
        "Interviewer: Hello P04.\nP04: Hello Beth.\n")


@pytest.mark.parametrize(("args", "message"), [
    (("-o", "out", "--key", "out/key.csv"),
     ("Error: out/key.csv: the key file must not be written into the output folder "
     "(name a place outside it with --key)")),
    (("-o", "originals/out"),
     ("Error: originals/out: the output folder is (or is inside) a folder of originals "
     "(choose a separate folder for the copies)")),
])
def test_pseudonymise_refuses_unsafe_places(folder: Path, runner: CliRunner,
                                            args: tuple[str, ...], message: str) -> None:
    (folder / "originals").mkdir()
    shutil.copy(folder / "hostile.md", folder / "originals" / "hostile.md")
    result = _run(runner, folder, "pseudonymise", "originals", "--map", "map.csv", *args)
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr == message + "\n"
    assert not (folder / "originals" / "out").exists()


@pytest.mark.parametrize(("content", "message"), [
    ("name,replacement\nAnna,Beth\n",
     ": no column 'pseudonym' for the map (columns: name, replacement)"),
    ("name,pseudonym\nAnna,Beth\nanna,Cleo\n",
     ":3: the name on this row repeats row 2 (keep one row per name)"),
    ("name,pseudonym\nAnna,\n", ":2: no value in column 'pseudonym'"),
    ("name,pseudonym\n", ": the map has no rows (add name,pseudonym rows)"),
])
def test_map_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "map.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_map(path)
    assert str(caught.value) == f"{path}{message}"


def test_pseudonymise_lists_files_it_cannot_read(folder: Path, runner: CliRunner) -> None:
    shutil.copy(DATA / "ingest" / "answers.xlsx", folder / "answers.xlsx")
    result = _run(runner, folder, "pseudonymise", "answers.xlsx", "clean.txt", "--map", "map.csv",
                  "-o", "out")
    assert result.exit_code == ExitCode.PARTIAL
    assert ("Error: answers.xlsx: cannot pseudonymise a .xlsx file (save the table as CSV first)"
            in result.stderr.splitlines())
    assert (folder / "out" / "clean.txt").exists()
