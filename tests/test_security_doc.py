"""SECURITY.md points every guarantee at a test; those tests must exist."""

from __future__ import annotations

import re

from tests.conftest import REPO
from tests.test_bad_input import CASES_OF_BAD_INPUT

SECURITY = (REPO / "SECURITY.md").read_text(encoding="utf-8")
REFERENCE = re.compile(r"`(test_\w+\.py)(?:::(\w+\*?))?(?:\[([^\]]+)\])?`|`\[([^\]]+)\]`"
                       r"|`(test_\w+\*?)`")


def test_every_test_named_in_security_md_exists() -> None:
    cases = {bad.file for bad in CASES_OF_BAD_INPUT}
    found = REFERENCE.findall(SECURITY)
    assert len(found) > 30
    every_test = "".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").glob("test_*.py"))
    for module, function, case, bare_case, bare_function in found:
        if bare_case:
            assert bare_case in cases, bare_case
            continue
        if bare_function:
            assert f"def {bare_function.rstrip('*')}" in every_test, bare_function
            continue
        source = (REPO / "tests" / module).read_text(encoding="utf-8")
        if function:
            assert f"def {function.rstrip('*')}" in source, f"{module}::{function}"
        if case:
            assert case in cases, case
