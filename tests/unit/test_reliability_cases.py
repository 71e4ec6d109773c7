"""The reliability cases (tests/reliability_cases.py): complete rows, unique ids, and each names a test that exists."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO
from tests.reliability_cases import CASES, COLUMNS, cases, markdown


def test_every_case_has_the_table_columns_and_a_unique_id():
    for case in CASES:
        for column in (*COLUMNS, "id"):
            assert isinstance(case.get(column), str) and case[column].strip(), (case.get("id"), column)
    names = [case["id"] for case in CASES]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


@pytest.mark.parametrize("test", sorted({case["test"] for case in CASES}))
def test_every_case_names_a_test_that_exists(test):
    path, _, function = test.partition("::")
    tree = ast.parse((REPO / path).read_text())
    assert function in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}, test
    assert cases(test)


def test_markdown_has_one_row_per_case_and_an_unknown_test_is_an_error():
    lines = markdown().splitlines()
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |" and len(lines) == 2 + len(CASES)
    with pytest.raises(LookupError, match="no reliability case"):
        cases("tests/nowhere.py::test_nothing")


def test_the_reliability_document_is_generated_from_the_cases():
    from tests.reliability_cases import DOC, document

    assert (REPO / DOC).read_text() == document(), (
        "docs/reliability.md is stale: run `python -m tests.reliability_cases`"
    )
