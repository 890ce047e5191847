"""Token patterns decided in part or whole without their ``Matcher``.

A *plain* pattern (see :func:`variants`) stands for a few token sequences, and
:class:`Plain` finds them in the windows where the pattern may match with numpy, a few
operations for all windows of a doc at once, where a ``Matcher`` call costs microseconds
per window. For any other pattern, :func:`flag_checks` gives the lexical flags some token
of a window must have for a match to fit in it (:func:`flagged`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from qualcode.nlp.lookup import INDEXED, LAST, Lists, Values, expand

_BOUNDED = re.compile(r"^\{(\d*),?(\d*)\}$")


def widths(op: object) -> tuple[int, int | None]:
    """(least, most) tokens one pattern token consumes under operator ``op``."""
    if op is None or op in ("1", "!"):
        return (0 if op == "!" else 1), 1
    if op == "?":
        return 0, 1
    if op in ("*", "+"):
        return (1 if op == "+" else 0), None
    found = _BOUNDED.match(op) if isinstance(op, str) else None
    if found is None or not isinstance(op, str):
        return 0, None
    low, high = found.group(1), found.group(2)
    exact = "," not in op
    least = int(low) if low else 0
    return least, (least if exact else (int(high) if high else None))


def _is_operator(key: object) -> bool:
    """Whether a pattern token's key is its operator: ``OP`` in any case, as the Matcher
    reads keys."""
    return isinstance(key, str) and key.upper() == "OP"


def operator(token: Mapping[str, Any]) -> object:
    """A pattern token's operator (see :func:`_is_operator`), ``None`` when it has none."""
    return next((value for key, value in token.items() if _is_operator(key)), None)


def flag_checks(pattern: Sequence[Mapping[str, Any]]) -> tuple[tuple[tuple[int, bool], ...], ...]:
    """Per token every match holds, the lexical flags (``IS_TITLE``, ``LIKE_NUM``...) it
    fixes to true or false, as (flag id, value); tokens that fix none are left out."""
    from spacy.attrs import IDS

    checks = []
    for token in pattern:
        if widths(operator(token))[0] >= 1:
            check = tuple((IDS[name], value) for name, value in
                          ((str(key).upper(), value) for key, value in token.items())
                          if isinstance(value, bool) and 0 < IDS.get(name, 0) < 64)
            if check:
                checks.append(check)
    return tuple(checks)


def flagged(doc: Any, left: int, right: int, checks: Sequence[Sequence[tuple[int, bool]]]) -> bool:
    """Whether each of ``checks`` is met by some token of ``doc[left:right]``."""
    for check in checks:  # plain loops: this runs for many short windows
        for position in range(left, right):
            token = doc[position]
            for flag, value in check:
                if token.check_flag(flag) != value:
                    break
            else:
                break
        else:
            return False
    return True


Constraint = tuple[str, frozenset[str], bool]  # attribute, values, whether they are excluded


def _constraint(key: object, value: object) -> Constraint | None:
    attr = INDEXED.get(key.upper()) if isinstance(key, str) else None
    if attr is not None and isinstance(value, str):
        return attr, frozenset([value]), False
    if attr is not None and isinstance(value, Mapping) and len(value) == 1:
        [(name, items)] = value.items()
        kind = name.upper() if isinstance(name, str) else None
        if kind in ("IN", "NOT_IN") and isinstance(items, list) and \
                all(isinstance(item, str) for item in items):
            return attr, frozenset(items), kind == "NOT_IN"
    return None


def variants(pattern: Sequence[Mapping[str, Any]]) -> list[tuple[tuple[Constraint, ...], ...]] | None:
    """The token sequences ``pattern`` matches, each token as the constraints it must meet,
    when it is *plain*: every token required or optional (``OP: "?"``, at most six) and
    constrained only by ``ORTH``/``TEXT``/``LOWER``/``LEMMA`` equal to a string or ``IN``/
    ``NOT_IN`` a list of strings; ``None`` otherwise. spaCy's ``Matcher`` finds a plain
    pattern exactly where one of its sequences is (tests check this against it)."""
    tokens: list[tuple[tuple[Constraint, ...], bool]] = []
    for token in pattern:
        found = [_constraint(key, value) for key, value in token.items()
                 if not _is_operator(key)]
        op = operator(token)
        if op not in (None, "1", "?") or any(c is None for c in found):
            return None
        tokens.append((tuple(c for c in found if c is not None), op == "?"))
    optional = [i for i, (_, maybe) in enumerate(tokens) if maybe]
    if len(optional) > 6:
        return None
    sequences: dict[tuple[tuple[Constraint, ...], ...], None] = {}
    for kept in range(1 << len(optional)):
        dropped = {i for bit, i in enumerate(optional) if not kept >> bit & 1}
        sequence = tuple(c for i, (c, _) in enumerate(tokens) if i not in dropped)
        if sequence:  # the Matcher drops empty matches
            sequences[sequence] = None
    return list(sequences)


class Plain:
    """The plain patterns (see :func:`variants`), matched in their windows with arrays
    rather than by their ``Matcher``: per pattern its sequences (``lengths``), per
    sequence its checks (token offset, constraint), and the rows of each constraint's
    values (``members``, row * constraints + constraint, sorted)."""

    def __init__(self, plain: Mapping[int, Sequence[tuple[tuple[Constraint, ...], ...]]],
                 match_ids: Sequence[int], values: Values) -> None:
        import numpy as np
        from spacy.strings import get_string_id

        constraints: dict[Constraint, int] = {}
        sequences: list[list[int]] = [[] for _ in match_ids]
        checks: list[list[tuple[int, int]]] = []
        for index, found in plain.items():
            for sequence in found:
                sequences[index].append(len(checks))
                checks.append([(offset, constraints.setdefault(c, len(constraints)))
                               for offset, token in enumerate(sequence) for c in token])
        self.count = count = max(len(constraints), 1)
        self.sequences = Lists(sequences)
        self.lengths = np.array([len(s) for f in plain.values() for s in f], dtype=np.int64)
        self.checks = Lists([[offset * count + c for offset, c in items] for items in checks])
        self.column = np.array([values.attrs.index(a) for a, _, _ in constraints], dtype=np.int64)
        self.negated = np.array([negated for _, _, negated in constraints], dtype=bool)
        members = [LAST]
        for c, (attr, words, _) in enumerate(constraints):
            hashes = np.array([get_string_id(word) for word in words], dtype=np.uint64)
            rows, _ = values.slots[values.attrs.index(attr)].find(hashes, values.keys)
            members.extend((rows * count + c).tolist())
        self.members = np.array(sorted(members), dtype=np.int64)
        self.match_ids = np.array(match_ids, dtype=np.uint64)

    def matches(self, pattern: Any, left: Any, right: Any, rows: Any, held: Any,
                length: int) -> Any:
        """``(match id, start, end)`` of every match of plain ``pattern`` in the windows
        ``[left, right)``; ``rows``/``held`` are those of each attribute in turn
        (``length`` tokens each)."""
        import numpy as np

        sequence, window = self.sequences.at(pattern)
        size = self.lengths[sequence]
        owner, rank = expand(np.maximum(right[window] - left[window] - size + 1, 0))
        sequence, window, size = sequence[owner], window[owner], size[owner]
        start = left[window] + rank
        items, candidate = self.checks.at(sequence)
        constraint = items % self.count
        at = self.column[constraint] * length + start[candidate] + items // self.count
        keys = rows[at] * self.count + constraint
        member = held[at] & (self.members[np.searchsorted(self.members, keys)] == keys)
        failed = np.bincount(candidate[member == self.negated[constraint]], minlength=len(start))
        good = np.flatnonzero(failed == 0)
        return zip(self.match_ids[pattern[window[good]]].tolist(), start[good].tolist(),
                   (start[good] + size[good]).tolist(), strict=True)
