"""Bytes to normalised text: encoding detection, binary sniffing and Unicode clean-up.

Detection order for a file without a forced encoding: a byte-order mark (UTF-8, UTF-16,
UTF-32) wins; the signature of a well-known binary format (PNG, PDF, zip, ...) is named;
NUL bytes mean binary unless they sit in every other byte (UTF-16 without a mark); mostly
control bytes mean binary; then strict UTF-8; then cp1252, reported as a warning by the
readers. cp1252 is only guessed for a file with no valid UTF-8 multi-byte sequence at
all: a UTF-8 file with one damaged byte is refused rather than silently misread.

Files are read with a size limit (:data:`MAX_TEXT_BYTES` for text, :data:`MAX_FILE_BYTES`
for anything else), so a huge or endless file is refused instead of filling the memory.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.options import check_encoding
from qualcode.ingest.sniff import (
    MAX_CONTROL_SHARE,
    binary_kind,
    control_share,
    has_utf8_sequences,
    line_of,
    megabytes,
    size_limit,
)

FALLBACK_ENCODING = "cp1252"
BINARY_MESSAGE = "looks like a binary file, not a {what}"
EMPTY_HINT = "leave it out, or check that it is the file you meant"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# what to do about a file that is not readable text, by what it should have been
_TEXT_HINTS = {
    "transcript": "if it is text, pass --encoding with its encoding",
    "table": "save it as a UTF-8 CSV file or an .xlsx workbook",
}
# line breaks become \n and every other C0 and C1 control character but NUL (removed
# first) and the tab becomes U+FFFD: visible, and harmless to a terminal or a spreadsheet
_BREAKS = "\r\x0b\x0c\x85\u2028\u2029"
CONTROLS: dict[int, str] = {  # one character for one: offsets keep their places
    **{code: "\ufffd" for code in [*range(1, 0x20), 0x7F, *range(0x80, 0xA0)] if code not in (9, 10)},
    **{ord(ch): "\n" for ch in _BREAKS},
}
_CONTROL_CHARACTER = re.compile("[" + "".join(re.escape(chr(code)) for code in CONTROLS) + "]")
_FORMAT_HINTS = {
    "transcript": "give the file its real suffix, or save the text as a UTF-8 .txt file",
    "table": "give the file its real suffix, or save the table as a UTF-8 CSV file",
}
_NUL_HINTS = {
    "transcript": "if it is UTF-16 text, pass --encoding utf-16-le or utf-16-be; "
    "otherwise remove the NUL bytes",
    "table": "save it again as a UTF-8 CSV file",
}


def read_bytes(path: Path, *, limit: int | None = None) -> bytes:
    """Read a whole file, turning OS errors into one-line :class:`InputError`.

    At most ``limit`` bytes are read (default: by suffix, see
    :func:`qualcode.ingest.sniff.size_limit`); a larger file is refused.
    """
    limit = size_limit(path.suffix) if limit is None else limit
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", path=path) from None
    if len(data) > limit:
        message = f"file is too large (over {megabytes(limit)})"
        raise InputError(message, path=path, hint="split it into smaller files")
    return data


def decode_bytes(
    data: bytes, *, path: Path, encoding: str | None = None, what: str = "transcript"
) -> tuple[str, str]:
    """Decode a file's bytes and return ``(text, encoding used)``.

    ``encoding`` forces a codec (no sniffing). Without it, see the module docstring.
    The text is not normalised yet. Raises :class:`InputError` naming ``path`` for an
    empty, whitespace-only, binary or undecodable file, or an unknown encoding;
    ``what`` (``transcript`` or ``table``) says what the file should have been.
    """
    if encoding is not None:
        used = check_encoding(encoding, path=path)
        text = _decode(data, used, path=path, hint="pass --encoding with the file's encoding")
    else:
        text, used = _detect(data, path=path, what=what)
    if not text.lstrip("\ufeff"):
        raise InputError("file is empty", path=path, hint=EMPTY_HINT)
    if not text.lstrip("\ufeff").strip():
        raise InputError("file contains only whitespace", path=path, hint=EMPTY_HINT)
    return text, used


def _detect(data: bytes, *, path: Path, what: str) -> tuple[str, str]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            text = _decode(data[len(bom) :], name, path=path, hint="pass --encoding")
            # named so that Python's codec of that name reads the file back, mark included
            return text, {"utf-8": "utf-8-sig"}.get(name, name[:6])
    kind = binary_kind(data)
    if kind is not None:
        raise InputError(f"is {kind}, not a {what}", path=path, hint=_FORMAT_HINTS[what])
    if b"\x00" in data:
        return _utf16_without_bom(data, path=path, what=what)
    if control_share(data) > MAX_CONTROL_SHARE:
        raise InputError(BINARY_MESSAGE.format(what=what), path=path, hint=_TEXT_HINTS[what])
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_error = exc
    if has_utf8_sequences(data):
        # the rest is UTF-8, so a cp1252 guess would garble every accented letter
        hint = "the rest of the file is UTF-8: fix or delete this byte, or pass --encoding"
        raise _decode_error(first_error, "utf-8", path, hint) from None
    try:
        return data.decode(FALLBACK_ENCODING), FALLBACK_ENCODING
    except UnicodeDecodeError:
        hint = "pass --encoding, e.g. --encoding latin-1"
        raise _decode_error(first_error, "utf-8", path, hint) from None


def _utf16_without_bom(data: bytes, *, path: Path, what: str) -> tuple[str, str]:
    """Accept NUL bytes only when they fill the high byte of mostly-ASCII UTF-16."""
    if len(data) % 2 == 0:
        for name, high in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
            low = data[0::2] if name == "utf-16-le" else data[1::2]
            if high.count(0) >= 0.6 * len(high) and low.count(0) == 0:
                try:
                    text = data.decode(name)
                except UnicodeDecodeError:
                    break
                if control_share(text.encode("utf-8", "replace")) <= MAX_CONTROL_SHARE:
                    return text, name
    message = f"contains NUL bytes, so it is not a plain-text {what}"
    raise InputError(message, path=path, line=line_of(data, data.index(b"\x00")),
                     hint=_NUL_HINTS[what])


def _decode(data: bytes, name: str, *, path: Path, hint: str) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        raise _decode_error(exc, name, path, hint) from None


def _decode_error(exc: UnicodeDecodeError, name: str, path: Path, hint: str) -> InputError:
    bad = exc.object[exc.start : exc.start + 1].hex()
    message = f"cannot be decoded as {name} (byte 0x{bad} at offset {exc.start})"
    # a line number only means something where a line break is the byte 0x0a
    line = line_of(exc.object, exc.start) if "\n".encode(name) == b"\n" else None
    return InputError(message, path=path, line=line, hint=hint)


def normalise_text(text: str) -> str:
    """Return ``text`` as qualcode stores it.

    No leading byte-order mark, ``\\n`` for every line ending (CRLF, CR, U+2028, U+2029,
    NEL, vertical tab and form feed included), no NUL, U+FFFD in place of any other
    control character but the tab (so no escape sequence can drive a terminal), Unicode
    NFC, and no trailing whitespace at the end of the text. Offsets are counted in this
    form; the function is idempotent.
    """
    text = text.replace("\x00", "").lstrip("\ufeff").replace("\r\n", "\n")
    if _CONTROL_CHARACTER.search(text):  # translate() is slow: most texts have nothing to do
        text = text.translate(CONTROLS)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.rstrip()


def load_text(path: Path, data: bytes, *, encoding: str | None = None) -> tuple[str, list[str]]:
    """Decode and normalise a text file's bytes; return the text and reader warnings."""
    text, used = decode_bytes(data, path=path, encoding=encoding)
    warnings: list[str] = []
    if encoding is None and used in (FALLBACK_ENCODING, "utf-16-le", "utf-16-be"):
        # utf-16 found without a byte-order mark is a guess, like cp1252
        mark = "" if used == FALLBACK_ENCODING else " (no byte-order mark)"
        warnings.append(f"decoded as {used}{mark}; pass --encoding to choose")
    return normalise_text(text), warnings
