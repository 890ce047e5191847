"""Spotting personal data in text, and masking what was found.

Each detector is a regular expression, often followed by a check that removes look-alikes
(a checksum for IBANs and card numbers, a valid range for IP addresses, a count of digits
for phone numbers). Detectors return spans; what they found leaves this module only
through :func:`mask`, which keeps a letter or two and the shape, never the value.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal

Kind = Literal[
    "email", "url", "ip_address", "phone", "postcode", "street_address", "date_of_birth",
    "iban", "card_number", "id_number", "speaker_name", "listed_name", "person", "place",
    "organisation",
]  # fmt: skip

KIND_NAMES: dict[str, str] = {
    "email": "e-mail address", "url": "web address", "ip_address": "IP address",
    "phone": "phone number", "postcode": "postcode", "street_address": "street address",
    "date_of_birth": "date of birth", "iban": "bank account (IBAN)",
    "card_number": "payment card number", "id_number": "identity number",
    "speaker_name": "speaker label with a real name", "listed_name": "name from your list",
    "person": "person's name", "place": "place name", "organisation": "organisation name",
}  # fmt: skip


_LAST_DIGITS_SHOWN = frozenset({"phone", "iban", "card_number", "id_number"})


Runs = Sequence[int] | None  # where the runs of digits of a text start (None: not found yet)


@dataclass(frozen=True)
class Hit:
    """A span of a text that looks like personal data."""

    start: int
    end: int
    kind: Kind


_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE = (rf"\d{{1,2}}[./-]\d{{1,2}}[./-](?:19|20)?\d{{2}}|(?:19|20)\d{{2}}-\d{{1,2}}-\d{{1,2}}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:of\s+)?{_MONTHS},?\s+(?:19|20)\d{{2}}"
         rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}|{_MONTHS}\s+(?:19|20)\d{{2}}")
_STREET_WORDS = (r"Street|St\.|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.|Boulevard|Blvd\.?|"
                 r"Way|Court|Ct\.|Place|Pl\.|Square|Sq\.|Terrace|Close|Crescent|Gardens|Grove")
_TLDS = ("com|org|net|edu|gov|int|mil|io|ai|co|uk|de|fr|nl|eu|es|it|ch|at|be|se|no|dk|fi|pl|"
         "info|biz|me|app|dev|ly|tv")
_US_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|"
              "NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC")

# Most patterns begin with a character class and check the word boundary (or the
# characters that may not come before) just after it, in a lookbehind that includes that
# first character: written so, `re` skips quickly to the characters a match can start
# with instead of trying every position. E-mail addresses, web addresses and IPv6
# addresses are matched only where a rarer anchor ("@", "://", "www.", ".com", ":") puts
# their start (see _anchored), and the patterns that need digits only at a fixed distance
# before a run of digits, found once for all of them (see _at_runs).
# tests/test_pii_fast.py and tests/test_ingest_fast.py check them against the plain forms.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
                    r"\.[A-Za-z]{2,24}(?![\w-])")
_EMAIL_RUN = re.compile(r"[\w.+-]*")
_URL = re.compile(rf"\b(?:https?|ftp)://[^\s<>\"')\]]+|\bwww\.[^\s<>\"')\]]+"
                  rf"|(?<![\w.-])(?:[A-Za-z0-9-]{{1,63}}\.){{1,8}}(?:{_TLDS})\b"
                  rf"(?:/[^\s<>\"')\]]*)?(?!\.\w)")
_URL_TLD = re.compile(rf"\.(?:{_TLDS})\b")
_URL_RUN = re.compile(r"[A-Za-z0-9.-]*")
_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?!\w|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_IPV6_PAIR = re.compile(r":[0-9A-Fa-f]{0,4}:")
_IPV6_RUN = re.compile(r"[0-9A-Fa-f:]*")
_PHONE = re.compile(r"[+(\d](?<![\w+.()/-][+(\d])"
                    r"(?:(?<=[+(])\d[\d ()./-]{5,22}\d|(?<=0)0\d[\d ()./-]{5,22}\d"
                    r"|(?<=\d)[\d ()./-]{5,22}\d)(?![\w])")
_US_PHONE = re.compile(r"^\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}$")
_DATE_ONLY = re.compile(rf"^(?:{_DATE})$")
# the first letter is matched case-sensitively, with every character that IGNORECASE
# would take for it, so that `re` can skip to it
_BIRTH = re.compile(rf"(?-i:[bBdDgGnN])(?<!\w[bdgn])(?:(?<=b)orn\b|(?<=b)irth(?:day)?\b"
                    rf"|(?<=d)\.?O\.?B\b|(?<=g)eboren\b|(?<=n)ée?\b)"
                    rf"[^.\n]{{0,30}}?(?P<date>{_DATE})", re.IGNORECASE)
_UK_POSTCODE = re.compile(r"[A-Z](?<!\w[A-Z])(?:[A-Z]?\d[A-Z\d]?|(?<=G)IR) ?\d[ABD-HJLNP-UW-Z]{2}\b")
_CA_POSTCODE = re.compile(r"[ABCEGHJ-NPRSTVXY](?<!\w[ABCEGHJ-NPRSTVXY])\d[ABCEGHJ-NPRSTV-Z] ?"
                          r"\d[ABCEGHJ-NPRSTV-Z]\d\b")
_US_ZIP = re.compile(rf",\s{{0,3}}(?:{_US_STATES})\s{{1,3}}(?P<zip>\d{{5}}(?:-\d{{4}})?)\b")
_CITY_CODE = re.compile(r"\d(?<!\w\d)\d{4}\s+[A-ZÄÖÜ][a-zäöüß]+(?:[ -][A-ZÄÖÜ][a-zäöüß]+)?\b")
_STREET = re.compile(
    rf"[\dA-ZÄÖÜ](?:(?<=\d)(?<!\w\d)(?:\d{{0,4}}[A-Za-z]?,?\s{{1,3}}"
    rf"(?:[A-Z][\w'’-]{{0,30}}\s{{1,3}}){{1,3}}(?:{_STREET_WORDS})(?!\w)"
    r"|\d{0,3},?\s+(?:rue|avenue|boulevard|place|chemin|via|viale|calle|avenida)\s+\w+)"
    r"|(?<=[A-ZÄÖÜ])(?<![\w-][A-ZÄÖÜ])[\wäöüß-]{0,30}"
    r"(?:straße|strasse|str\.|weg|gasse|allee|platz|damm)\s{1,3}\d{1,4}[a-z]?\b)",
)
_IBAN = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_CARD = re.compile(r"\d(?<![\d-]\d)(?:[ -]?\d){12,18}(?![\d-])")
_SSN = re.compile(r"\d(?<!\w\d)\d{2}(?<!000|666|9\d\d)-(?!00)\d{2}-(?!0000)\d{4}\b")
_NINO = re.compile(r"[A-CEGHJ-PR-TW-Z](?<!\w[A-CEGHJ-PR-TW-Z])[A-CEGHJ-NPR-TW-Z]"
                   r"(?<!BG|GB|NK|KN|TN|NT|ZZ) ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_ID_CONTEXT = re.compile(
    r"(?-i:[iIİıpPlLsSſnNtTaAmMcCeE])(?<!\w[iplsntamce])"
    r"(?:(?<=i)D|(?<=p)assport|(?<=l)icen[cs]e|(?<=s)ocial security|(?<=n)ational insurance"
    r"|(?<=t)ax|(?<=a)ccount|(?<=m)ember(?:ship)?|(?<=c)ustomer|(?<=s)tudent|(?<=e)mployee"
    r"|(?<=p)atient|(?<=i)nsurance)\s{0,3}(?:no\.?|number|nr\.?|#)?\s{0,3}:?"
    r"\s{0,3}(?P<id>[A-Z0-9][A-Z0-9-]{5,30})\b", re.IGNORECASE)
# characters that no _ID_CONTEXT match holds (a dot only in "no." or "nr.") and that are no
# word characters; the second pattern finds them in the reversed text
_ID_BREAK = re.compile(r"[,.?!;()\"'’“”/](?<![oOrR]\.)")
_ID_BREAK_REVERSED = re.compile(r"[,.?!;()\"'’“”/](?!(?<=\.)[oOrR])")
# five ASCII digits in one run of word characters and hyphens, as an identity number needs
_FIVE_DIGITS = re.compile(r"[0-9](?:(?:[^\W0-9]|-)*[0-9]){4}")
_DIGIT = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"\d+")
# the words of the one street form whose match starts before its digits (see _STREET)
_GERMAN_STREET_WORDS = ("straße", "strasse", "str.", "weg", "gasse", "allee", "platz", "damm")


def find_all(text: str) -> list[Hit]:
    """Every fast detector over ``text``; overlapping hits keep the earliest, longest one."""
    if _DIGIT.search(text):
        runs = _digit_runs(text)  # one scan for every detector that needs digits
        hits = [hit for detector in _DETECTORS for hit in detector(text, runs)]
    else:
        hits = [hit for detector in _DETECTORS_WITHOUT_DIGITS for hit in detector(text, ())]
    return without_overlaps(hits)


def without_overlaps(hits: list[Hit]) -> list[Hit]:
    """Hits in text order, dropping any that overlaps one already kept."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def _spans(matches: Iterable[re.Match[str]], kind: Kind, group: int | str = 0,
           accept: Callable[[str], bool] | None = None) -> Iterator[Hit]:
    for match in matches:
        value = match.group(group)
        if value and (accept is None or accept(value)):
            yield Hit(match.start(group), match.end(group), kind)


def _anchored(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer(text)`` gives, when every match starts at one of ``starts``.

    Like finditer, a match hides the ones that would start inside it; lookarounds still see
    the whole text, as ``match(text, pos)`` lets a lookbehind look before ``pos``.
    """
    end = 0
    for start in sorted(set(starts)):
        match = pattern.match(text, start) if start >= end else None
        if match:
            end = match.end()
            yield match


def _run_start(text: str, end: int, run: re.Pattern[str], limit: int) -> int | None:
    """Where the characters of ``run`` before ``end`` begin; None when more than ``limit``."""
    before = text[max(0, end - limit - 1) : end][::-1]
    found = run.match(before)
    length = found.end() if found else 0
    return None if length > limit else end - length


def _starts_before(text: str, anchors: Iterable[int], run: re.Pattern[str],
                   limit: int) -> Iterator[int]:
    for anchor in anchors:
        start = _run_start(text, anchor, run, limit)
        if start is not None:
            yield start


def _find(text: str, literal: str) -> Iterator[int]:
    at = text.find(literal)
    while at >= 0:
        yield at
        at = text.find(literal, at + 1)


def _digit_runs(text: str) -> list[int]:
    """Where each run of digits of ``text`` starts."""
    return [match.start() for match in _DIGIT_RUN.finditer(text)]


def _at_runs(pattern: re.Pattern[str], text: str, runs: Runs, *before: int
             ) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose every match has the first digit of a
    run of digits at one of the distances ``before`` from its start.

    ``runs`` are the starts of the runs of digits (found here when ``None``): one scan for
    them serves every such pattern, and a text has few of them.
    """
    runs = _digit_runs(text) if runs is None else runs
    return _anchored(pattern, text, (run - n for n in before for run in runs if run >= n))


def _emails(text: str, runs: Runs = None) -> Iterator[Hit]:
    # the local part is the whole run of [\w.+-] before the "@", at most 64 long
    starts = _starts_before(text, _find(text, "@"), _EMAIL_RUN, 64)
    return _spans(_anchored(_EMAIL, text, starts), "email")


def _urls(text: str, runs: Runs = None) -> Iterator[Hit]:
    # a scheme ends 3-5 characters before "://"; a bare domain is the run of [A-Za-z0-9.-]
    # (at most 8 labels of 63 and their dots) before the dot of its top-level domain
    schemes = (at - length for at in _find(text, "://") for length in (3, 4, 5) if at >= length)
    tlds = (match.start() for match in _URL_TLD.finditer(text))
    starts = chain(schemes, _find(text, "www."), _starts_before(text, tlds, _URL_RUN, 8 * 64))
    return _spans(_anchored(_URL, text, starts), "url", accept=lambda v: "@" not in v)


def _ips(text: str, runs: Runs = None) -> Iterator[Hit]:
    yield from _spans(_at_runs(_IPV4, text, runs, 0), "ip_address", accept=_valid_ip)
    if "::" in text or text.count(":") >= 7:
        # every IPv6 match holds two colons with at most four hex digits between them,
        # and starts at most four hex digits before its first colon
        pairs = (match.start() for match in _IPV6_PAIR.finditer(text))
        starts = _starts_before(text, pairs, _IPV6_RUN, 4)
        yield from _spans(_anchored(_IPV6, text, starts), "ip_address", accept=_ipv6_like)


def _ipv6_like(value: str) -> bool:
    return ("::" in value or value.count(":") == 7) and _valid_ip(value)


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _phones(text: str, runs: Runs = None) -> Iterator[Hit]:
    # a phone number starts with "+", "(" or the first digit of a run
    starts = chain(_digit_runs(text) if runs is None else runs, _find(text, "+"),
                   _find(text, "("))
    return _spans(_anchored(_PHONE, text, starts), "phone", accept=_phone_like)


def _phone_like(value: str) -> bool:
    digits = sum(ch.isdigit() for ch in value)
    if not 7 <= digits <= 15 or _DATE_ONLY.match(value) or value.count("(") != value.count(")"):
        return False
    international = value.startswith(("+", "00"))
    national = value.startswith(("(", "0")) and digits >= 9
    return international or national or bool(_US_PHONE.match(value))


def _dates_of_birth(text: str, runs: Runs = None) -> Iterator[Hit]:
    return _spans(_BIRTH.finditer(text), "date_of_birth", group="date")


def _addresses(text: str, runs: Runs = None) -> Iterator[Hit]:
    yield from _spans(_at_runs(_UK_POSTCODE, text, runs, 1, 2, 3, 4), "postcode")
    yield from _spans(_at_runs(_CA_POSTCODE, text, runs, 1), "postcode")
    yield from _spans(_US_ZIP.finditer(text), "postcode", group="zip")
    yield from _spans(_at_runs(_CITY_CODE, text, runs, 0), "postcode")
    # only a German street name ("...straße 5") starts before the digits of its match
    german = any(word in text for word in _GERMAN_STREET_WORDS)
    streets = _STREET.finditer(text) if german else _at_runs(_STREET, text, runs, 0)
    yield from _spans(streets, "street_address")


def _ids(text: str, runs: Runs = None) -> Iterator[Hit]:
    yield from _spans(_at_runs(_IBAN, text, runs, 2), "iban", accept=_iban_valid)
    yield from _spans(_at_runs(_CARD, text, runs, 0), "card_number", accept=_luhn_valid)
    yield from _spans(_at_runs(_SSN, text, runs, 0), "id_number")
    yield from _spans(_at_runs(_NINO, text, runs, 2, 3), "id_number")
    yield from _spans(_id_contexts(text), "id_number", group="id",
                      accept=lambda v: sum(ch.isdigit() for ch in v) >= 5)


def _id_contexts(text: str) -> Iterator[re.Match[str]]:
    """``_ID_CONTEXT.finditer(text)``, less matches too short of digits to be accepted.

    No match crosses an _ID_BREAK character, so the text splits there into pieces that are
    scanned alone, and only pieces with five digits in one word can hold an accepted match.
    Cutting a piece with ``endpos`` changes nothing: the break character could not be
    taken, and is no word character for ``\\b``.
    """
    reverse = text[::-1]
    end = 0
    while digits := _FIVE_DIGITS.search(text, end):
        before = _ID_BREAK_REVERSED.search(reverse, len(text) - digits.start())
        after = _ID_BREAK.search(text, digits.end())
        start = len(text) - before.start() if before else 0
        end = after.start() if after else len(text)
        yield from _ID_CONTEXT.finditer(text, start, end)


def _iban_valid(value: str) -> bool:
    """ISO 13616: move the first four characters to the end; as a number, mod 97 is 1."""
    compact = value.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def _luhn_valid(value: str) -> bool:
    digits = [int(ch) for ch in value if ch.isdigit()]
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if index % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


_DETECTORS: tuple[Callable[[str, Runs], Iterator[Hit]], ...] = (
    _emails, _urls, _ips, _ids, _dates_of_birth, _phones, _addresses,
)
# the only detectors that can find something in a text without a digit
_DETECTORS_WITHOUT_DIGITS = _DETECTORS[:3]


def mask(value: str, kind: str) -> str:
    """``value`` with all but a letter or two replaced, keeping its shape.

    ``jane.doe@example.org`` becomes ``j***@e***.org``; a word keeps its first letter
    (``A*** S***``); digits become ``*``, except the last two of a phone, account, card
    or identity number.
    """
    if kind == "email":
        local, _, domain = value.partition("@")
        labels = domain.split(".")
        return f"{local[:1]}***@{labels[0][:1]}***.{labels[-1]}"
    if kind == "url":
        host = re.sub(r"^\w+://", "", value).split("/", 1)[0]
        labels = host.split(".")
        return f"{labels[0][:1]}***.{labels[-1]}" + ("/***" if "/" in value.rstrip("/") else "")
    pieces = re.split(r"([^\W_]+)", value)  # separators at even, words at odd positions
    numbers = [i for i in range(1, len(pieces), 2) if pieces[i].isdigit()]
    keep = numbers[-1] if kind in _LAST_DIGITS_SHOWN and numbers else None
    for i in range(1, len(pieces), 2):
        word = pieces[i]
        if word.isdigit():
            shown = word[-2:] if i == keep else ""
            pieces[i] = "*" * (len(word) - len(shown)) + shown
        else:
            pieces[i] = (word[0] if word[0].isalpha() else "*") + "***"
    return "".join(pieces)
