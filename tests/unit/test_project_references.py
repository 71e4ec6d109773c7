"""No tracked file of the project points outside the repository (the shared background folder, specification files)
or names an internal work item: a reader of the repository has neither."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import REPO

FORBIDDEN = {
    "a path outside the repository": re.compile(r"\.\./shared\b|\bshared/spec\b"),
    "a specification file of the background folder": re.compile(r"\bspec/[\w-]+\.md\b"),
    "an internal work-item number": re.compile(r"\bissues? #?\d+", re.I),
}


def tracked_texts() -> dict[str, str]:
    """Every git-tracked text file of the repository (path → text); binary files are skipped."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    texts = {}
    for name in filter(None, listed.decode().split("\0")):
        file = REPO / name
        if not file.is_file():  # deleted in the working tree, not yet committed
            continue
        data = file.read_bytes()
        if b"\0" not in data:
            try:
                texts[name] = data.decode()
            except UnicodeDecodeError:
                continue
    return texts


def test_no_tracked_file_points_outside_the_repository_or_names_a_work_item():
    found = [
        f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {what} ({m[0]!r})"
        for name, text in tracked_texts().items()
        for what, pattern in FORBIDDEN.items()
        for m in pattern.finditer(text)
    ]
    assert not found, "reword these lines:\n" + "\n".join(found)


def test_the_patterns_catch_what_they_are_for():
    examples = {  # built from parts, so that this file does not hold what it forbids
        "a path outside the repository": "see ../" + "shared/notes",
        "a specification file of the background folder": "as in spec/" + "counterfactuals.md §4",
        "an internal work-item number": "the targets of Issue" + " 12",
    }
    for what, text in examples.items():
        assert FORBIDDEN[what].search(text), what
    assert not any(p.search("budget filling, item 4 of the protocol") for p in FORBIDDEN.values())
