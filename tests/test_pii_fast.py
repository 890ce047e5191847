"""The detectors of qualcode.pii find exactly what their plain patterns find.

The module writes its patterns so that ``re`` can skip ahead (a lookbehind after the first
character instead of before it) and scans some only where an anchor allows a match. Here
every detector is compared, hit for hit, with the plain patterns scanned by ``finditer``
over the whole text, as the module did before it was made faster.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode import pii
from qualcode.ingest import read_documents
from tests.conftest import DATA, REPO
from tests.test_privacy import FOUND, NOT_FOUND

Span = tuple[int, int, str]
_D, _SW, _TLD, _ST = pii._DATE, pii._STREET_WORDS, pii._TLDS, pii._US_STATES
PLAIN = {
    "_EMAIL": r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
              r"\.[A-Za-z]{2,24}(?![\w-])",
    "_URL": rf"\b(?:https?|ftp)://[^\s<>\"')\]]+|\bwww\.[^\s<>\"')\]]+|(?<![\w.-])"
            rf"(?:[A-Za-z0-9-]{{1,63}}\.){{1,8}}(?:{_TLD})\b(?:/[^\s<>\"')\]]*)?(?!\.\w)",
    "_IPV4": r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)",
    "_IPV6": r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])",
    "_PHONE": r"(?<![\w+.()/-])(?:\+|00|\()?\d[\d ()./-]{5,22}\d(?![\w])",
    "_US_PHONE": r"^\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}$",
    "_DATE_ONLY": rf"^(?:{_D})$",
    "_BIRTH": rf"(?i)(?:\bborn\b|\bbirth(?:day)?\b|\bD\.?O\.?B\b|\bgeboren\b|\bnée?\b)"
              rf"[^.\n]{{0,30}}?(?P<date>{_D})",
    "_UK_POSTCODE": r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}\b",
    "_CA_POSTCODE": r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d\b",
    "_US_ZIP": rf",\s{{0,3}}(?:{_ST})\s{{1,3}}(?P<zip>\d{{5}}(?:-\d{{4}})?)\b",
    "_CITY_CODE": r"\b\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+(?:[ -][A-ZÄÖÜ][a-zäöüß]+)?\b",
    "_STREET": rf"\b\d{{1,5}}[A-Za-z]?,?\s{{1,3}}(?:[A-Z][\w'’-]{{0,30}}\s{{1,3}}){{1,3}}"
               rf"(?:{_SW})(?!\w)|(?<![\w-])[A-ZÄÖÜ][\wäöüß-]{{0,30}}(?:straße|strasse|str\.|"
               r"weg|gasse|allee|platz|damm)\s{1,3}\d{1,4}[a-z]?\b|\b\d{1,4},?\s+(?:rue|avenue|"
               r"boulevard|place|chemin|via|viale|calle|avenida)\s+\w+",
    "_IBAN": r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b",
    "_CARD": r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])",
    "_SSN": r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b",
    "_NINO": r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?"
             r"\d{2} ?[A-D]\b",
    "_ID_CONTEXT": r"(?i)\b(?:ID|passport|licen[cs]e|social security|national insurance|tax|"
                   r"account|member(?:ship)?|customer|student|employee|patient|insurance)"
                   r"\s{0,3}(?:no\.?|number|nr\.?|#)?\s{0,3}:?\s{0,3}(?P<id>[A-Z0-9][A-Z0-9-]{5,30})\b",
}
P = {name: re.compile(pattern) for name, pattern in PLAIN.items()}


def _ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _phone(value: str) -> bool:
    digits = sum(ch.isdigit() for ch in value)
    if not 7 <= digits <= 15 or P["_DATE_ONLY"].match(value) or value.count("(") != value.count(")"):
        return False
    return (value.startswith(("+", "00")) or (value.startswith(("(", "0")) and digits >= 9)
            or bool(P["_US_PHONE"].match(value)))


def _iban(value: str) -> bool:
    compact = value.replace(" ", "")
    return 15 <= len(compact) <= 34 and int("".join(
        str(int(ch, 36)) for ch in compact[4:] + compact[:4])) % 97 == 1


def _luhn(value: str) -> bool:
    digits = [int(ch) for ch in value if ch.isdigit()][::-1]
    doubled = [d if i % 2 == 0 else (2 * d - 9 if d > 4 else 2 * d) for i, d in enumerate(digits)]
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and sum(doubled) % 10 == 0


Rule = tuple[str, str, int | str, Callable[[str], bool] | None]
# each detector of qualcode.pii, with its patterns in the order it scans them
DETECTORS: dict[str, list[Rule]] = {
    "_emails": [("_EMAIL", "email", 0, None)],
    "_urls": [("_URL", "url", 0, lambda v: "@" not in v)],
    "_ips": [("_IPV4", "ip_address", 0, _ip),
             ("_IPV6", "ip_address", 0, lambda v: ("::" in v or v.count(":") == 7) and _ip(v))],
    "_ids": [("_IBAN", "iban", 0, _iban), ("_CARD", "card_number", 0, _luhn),
             ("_SSN", "id_number", 0, None), ("_NINO", "id_number", 0, None),
             ("_ID_CONTEXT", "id_number", "id", lambda v: sum(ch.isdigit() for ch in v) >= 5)],
    "_dates_of_birth": [("_BIRTH", "date_of_birth", "date", None)],
    "_phones": [("_PHONE", "phone", 0, _phone)],
    "_addresses": [("_UK_POSTCODE", "postcode", 0, None), ("_CA_POSTCODE", "postcode", 0, None),
                   ("_US_ZIP", "postcode", "zip", None), ("_CITY_CODE", "postcode", 0, None),
                   ("_STREET", "street_address", 0, None)],
}


def plain_hits(detector: str, text: str) -> list[Span]:
    return [(m.start(group), m.end(group), kind) for name, kind, group, accept in DETECTORS[detector]
            for m in P[name].finditer(text)
            if m.group(group) and (accept is None or accept(m.group(group)))]


def plain_find_all(text: str) -> list[Span]:
    kept: list[Span] = []
    hits = [hit for detector in DETECTORS for hit in plain_hits(detector, text)]
    for hit in sorted(hits, key=lambda h: (h[0], h[0] - h[1])):
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept


def assert_same(text: str) -> None:
    for detector in DETECTORS:
        fast = [(h.start, h.end, h.kind) for h in getattr(pii, detector)(text)]
        assert fast == plain_hits(detector, text), detector
    assert [(h.start, h.end, h.kind) for h in pii.find_all(text)] == plain_find_all(text)


def test_the_reference_has_every_pattern_of_the_module() -> None:
    assert set(PLAIN) <= set(vars(pii))


def _sample_texts() -> list[str]:
    paths = sorted(p for p in (REPO / "transcripts_sample").iterdir() if p.suffix != ".csv")
    return [doc.text for path in paths for doc in read_documents(path)]


def _data_texts() -> list[str]:
    suffixes = {".txt", ".md", ".vtt", ".srt", ".csv"}
    paths = [p for folder in ("privacy", "bad", "ingest") for p in sorted((DATA / folder).iterdir())
             if p.suffix in suffixes]
    return [p.read_bytes().decode("utf-8", errors="replace") for p in paths]


def test_same_hits_around_the_length_limits() -> None:
    for text in _edges():
        assert_same(text)


def test_same_hits_on_the_sample_transcripts() -> None:
    texts = _sample_texts()
    assert len(texts) == 14
    for text in texts:
        assert_same(text)


def test_same_hits_on_the_test_data() -> None:
    for text in _data_texts():
        assert_same(text)


def _edges() -> list[str]:
    """Texts around the length limits of the patterns (and of the windows that scan them)."""
    texts = []
    for n in range(60, 67):
        label = "a" * n
        texts += [f"{label}@b.com", f"x {label}@b.com", f"{label}.com", f"{label}.{label}.io/x",
                  f"x {'b.' * (n // 8)}com", " ".join([label] * 9) + ".org"]
    for labels in range(6, 11):
        texts += [("q" * 63 + ".") * labels + "com", "http://" + ("q" * 63 + ".") * labels]
    for n in range(3, 28):
        for head in ("", "+", "00", "(", "0", "00 ", "+4", "x", "-", "1-"):
            texts += [head + "1" * n, head + " ".join(["12"] * (n // 2)) + "3",
                      head + "1 " * (n // 2) + "1"]
    for digits in ("1", "12", "123", "1234", "12345", "123456"):
        for rest in (" rue x", ", via Roma", " Baker Street", "B Baker Close", " Berlin",
                     " Ab Cd Ef Gh Lane", "-45-6789", " 12 34 56 C"):
            texts += [digits + rest, "x" + digits + rest, "Hauptweg " + digits + rest]
    for word in ("tax", "ID", "account", "né", "born", "Baker"):
        texts += [f"x{word} 123456", f"{word}123456", f"1{word} 98765-4321", f"_{word}: 12-34567"]
    for seed in SEEDS:
        texts += [head + seed + tail for head in ("", "x", "1", "-", ".", "_") for tail in ("", "x", "1")]
    return texts


# one or more matches of each pattern, to be cut and framed by other characters
SEEDS = ["GIR 0AA", "GB 12 34 56 C", "NK123456D", "AB 12 34 56 C", "666-12-3456", "900-12-3456",
         "123-00-4567", "née 1.1.1990", "nee 1.1.1990", "Born: 12 March 1985", "D.O.B 1/2/85",
         "geboren 1.2.1980", "birthday, May 3rd, 1971", "00 1 1 1 1 1 1 1 1 1 1 1", "00  12 34 56  78 90 1",
         "00111 .1 11 . 1. 11 . .1.1.1", "00 12 .34 . 56 .7 8 .9 .1",
         "K1A 0B1", "EC1A 1BB", ", CA 94105-1234", "10115 Berlin-Mitte", "12 rue de Rivoli",
         "ftp://x.org/a", "https://a.b/c)", "www.a", "a.b.co.uk/x.y", "x@y.z.io", "::ffff:1.2.3.4",
         "1:2:3:4:5:6:7:8", "4111 1111 1111 1111", "DE89370400440532013000", "tax no. 12345-6",
         "membership # AB12345", "employee nr.: 1234567", "insurance 555555",
         "account 123456 account nr. 654321 Tax NR. 99999-1", "ID 12345, No. 123456"]


LONG = ["1." * 3000, "1-" * 3000, "A-" * 3000 + "weg 1", "a." * 3000 + "com", "(1" * 3000,
        "ID " * 2000, "1," * 3000 + "ID 123456", "a" * 600 + ".com", "1:" * 2000, "a@" * 2000]


@pytest.mark.parametrize("text", [text for text, _, _ in FOUND] + NOT_FOUND + LONG)
def test_same_hits_on_the_privacy_examples(text: str) -> None:
    assert_same(text)


TRICKY = [
    "Hi I'm", "ID", "ID no. ", "ID#", "account", "passport", "member", "membership", "insurance",
    "social security", "national insurance", "Patient:", "nr.", "No", "born", "Born ", "birth",
    "birthday", "D.O.B.", "dob", "geboren", "née", "ne", "İ", "ı", "ſ", "\u212a", "é", "É",
    "January ", "Feb. ", "March", "May ", "Sept ", "12th ", "of ", "1985", "2024", "19", "20",
    "www.", "http://", "https://", "ftp://", "://", ".com", ".co", ".uk", ".org/", ".io", ".de",
    "@", "e.x", "a.b", "-", "_", "+", "00", "+44 ", "(555) ", "0171 ", "123-45-6789", "666-",
    "000", "9", "::", ":", "fe80", "ab:", "192.168.", "10.0.0.7", "255.", "Street", "St.",
    "Road", "Rd", "Lane", "Dr.", "Way", "Court", "Place", "Baker ", "221B ", "Hauptstraße ",
    "weg ", "str. ", "rue ", "via ", "avenida ", "10115 ", "Berlin", "Äpfel", "ß", ", IL ",
    ", NY ", "NW1 ", "6XE", "GIR ", "0AA", "K1A ", "0B1", "GB82 ", "WEST ", "DE89 ", "3704 ",
    "AB ", "12 ", "C ", "BG", "ZZ", "4111 ", "1111", "X1234567", "\n", "\n\n", " ", "  ", ".",
    ",", "/", "(", ")", "#", "'", "’", "\"", "?", "!", ";", "<", "]", "٣", "²", "P01: ", "a",
    "123456", "98765", "-4321", "x", "Xtax ", "aID ", "1ID ", "no:", " # ",
]
ALPHABET = "0123456789 .-/()+:@,\n\t#'’_aAbBcCdDeEfFgGiIkKnNoOrRsStTuUwWxXzZéÄß٣²İıſ\u212a"
TEXTS = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(ALPHABET, min_size=1, max_size=3)),
                 max_size=30).map("".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_same_hits_on_generated_texts(text: str) -> None:
    assert_same(text)


def test_same_hits_at_every_start_of_a_text() -> None:
    # lookbehinds and anchors at the very start of a text, one cut after another
    text = ("ID no: 1234-5678 born 3 May 1990, www.x.com 1 Baker Street fe80::1 "
            "a@b.io 10.0.0.7 +44 20 7946 0958 GB82 WEST 1234 5698 7654 32")
    for cut in range(len(text)):
        assert_same(text[cut:])
