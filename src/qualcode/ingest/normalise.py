"""Bytes to normalised text: encoding detection, binary sniffing and Unicode clean-up.

Detection order for a file without a forced encoding: a byte-order mark (UTF-8, UTF-16,
UTF-32) wins; NUL bytes mean binary unless they sit in every other byte (UTF-16 without a
mark); mostly control bytes mean binary; then strict UTF-8; then cp1252, reported as a
warning by the readers.
"""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.options import check_encoding

FALLBACK_ENCODING = "cp1252"
BINARY_MESSAGE = "looks like a binary file, not a transcript"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 controls other than tab, LF, VT, FF, CR, plus DEL: rare in any text file
_CONTROL_BYTES = bytes([*range(9), *range(14, 32), 127])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_MAX_CONTROL_SHARE = 0.05


def read_bytes(path: Path) -> bytes:
    """Read a whole file, turning OS errors into one-line :class:`InputError`."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", path=path) from None


def decode_bytes(data: bytes, *, path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode a file's bytes and return ``(text, encoding used)``.

    ``encoding`` forces a codec (no sniffing). Without it, see the module docstring.
    The text is not normalised yet. Raises :class:`InputError` naming ``path`` for an
    empty, whitespace-only, binary or undecodable file, or an unknown encoding.
    """
    if encoding is not None:
        used = check_encoding(encoding, path=path)
        text = _decode(data, used, path=path, hint="pass --encoding with the file's encoding")
    else:
        text, used = _detect(data, path=path)
    if not text.lstrip("\ufeff"):
        raise InputError("file is empty", path=path)
    if not text.lstrip("\ufeff").strip():
        raise InputError("file contains only whitespace", path=path)
    return text, used


def _detect(data: bytes, *, path: Path) -> tuple[str, str]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            text = _decode(data[len(bom) :], name, path=path, hint="pass --encoding")
            # named so that Python's codec of that name reads the file back, mark included
            return text, {"utf-8": "utf-8-sig"}.get(name, name[:6])
    if b"\x00" in data:
        return _utf16_without_bom(data, path=path)
    if _control_share(data) > _MAX_CONTROL_SHARE:
        raise InputError(BINARY_MESSAGE, path=path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_error = exc
    try:
        return data.decode(FALLBACK_ENCODING), FALLBACK_ENCODING
    except UnicodeDecodeError:
        hint = "pass --encoding, e.g. --encoding latin-1"
        raise _decode_error(first_error, "utf-8", path, hint) from None


def _utf16_without_bom(data: bytes, *, path: Path) -> tuple[str, str]:
    """Accept NUL bytes only when they fill the high byte of mostly-ASCII UTF-16."""
    if len(data) % 2 == 0:
        for name, high in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
            low = data[0::2] if name == "utf-16-le" else data[1::2]
            if high.count(0) >= 0.6 * len(high) and low.count(0) == 0:
                try:
                    text = data.decode(name)
                except UnicodeDecodeError:
                    break
                if _control_share(text.encode("utf-8", "replace")) <= _MAX_CONTROL_SHARE:
                    return text, name
    raise InputError(BINARY_MESSAGE, path=path)


def _control_share(data: bytes) -> float:
    controls = len(data.translate(None, _NOT_CONTROL))
    return controls / max(len(data), 1)


def _decode(data: bytes, name: str, *, path: Path, hint: str) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        raise _decode_error(exc, name, path, hint) from None


def _decode_error(exc: UnicodeDecodeError, name: str, path: Path, hint: str) -> InputError:
    bad = exc.object[exc.start : exc.start + 1].hex()
    message = f"cannot be decoded as {name} (byte 0x{bad} at offset {exc.start})"
    return InputError(message, path=path, hint=hint)


def normalise_text(text: str) -> str:
    """Return ``text`` as qualcode stores it.

    No leading byte-order mark, no NUL characters, ``\\n`` for every line ending (CRLF, CR,
    U+2028 and U+2029 included), Unicode NFC, and no trailing whitespace at the end of
    the text. Offsets are counted in this form; the function is idempotent.
    """
    text = text.replace("\x00", "").lstrip("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return unicodedata.normalize("NFC", text).rstrip()


def load_text(path: Path, data: bytes, *, encoding: str | None = None) -> tuple[str, list[str]]:
    """Decode and normalise a text file's bytes; return the text and reader warnings."""
    text, used = decode_bytes(data, path=path, encoding=encoding)
    warnings: list[str] = []
    if encoding is None and used in (FALLBACK_ENCODING, "utf-16-le", "utf-16-be"):
        # utf-16 found without a byte-order mark is a guess, like cp1252
        mark = "" if used == FALLBACK_ENCODING else " (no byte-order mark)"
        warnings.append(f"decoded as {used}{mark}; pass --encoding to choose")
    return normalise_text(text), warnings
