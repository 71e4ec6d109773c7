"""The README and the docs pages: the README fits on a screen, every docs page is reachable from it, every relative
link and anchor resolves, and every page with generated regions is one `cod readme` rewrites."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from cod.report import readme
from tests.conftest import REPO

MAX_README_LINES = 250
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.M)


def pages() -> list[Path]:
    """README.md and every docs/*.md page."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def links(page: Path) -> list[str]:
    """The targets of the Markdown links and images of ``page``, outside fenced code blocks."""
    return [m["target"] for m in readme.LINK.finditer(FENCE.sub("", page.read_text()))]


def local(target: str) -> bool:
    """Whether a link target is a path in the repository (not a URL)."""
    return not re.match(r"[a-z][\w+.-]*:", target)


def anchors(page: Path) -> set[str]:
    """The heading anchors of a Markdown page, as GitHub makes them (lower case, punctuation dropped, '-' for ' ')."""
    headings = HEADING.findall(FENCE.sub("", page.read_text()))
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_the_readme_fits_on_a_screen():
    lines = len((REPO / "README.md").read_text().splitlines())
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; move detail to a docs/ page and link it"


def test_every_docs_page_is_linked_from_the_readme_or_a_page_it_links():
    def linked(page: Path) -> set[Path]:
        targets = [t.partition("#")[0] for t in links(page) if local(t) and not t.startswith("#")]
        return {(page.parent / t).resolve() for t in targets if t.endswith(".md")}

    from_readme = linked(REPO / "README.md")
    reachable = from_readme | {p for index in from_readme if index.is_file() for p in linked(index)}
    missing = [p.name for p in sorted((REPO / "docs").glob("*.md")) if p.resolve() not in reachable]
    assert not missing, f"docs page(s) {missing} are linked neither from README.md nor from a page it links"


def test_every_relative_link_resolves_to_a_file_and_heading():
    broken = []
    for page in pages():
        for target in filter(local, links(page)):
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.relative_to(REPO)}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                broken.append(f"{page.relative_to(REPO)}: {target} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_every_page_with_generated_regions_is_declared():
    tracked = subprocess.run(["git", "ls-files", "*.md"], cwd=REPO, capture_output=True, text=True, check=True)
    with_regions = {f for f in tracked.stdout.split() if readme.OPEN.search((REPO / f).read_text())}
    assert with_regions <= set(readme.DOCUMENTS), f"add {sorted(with_regions - set(readme.DOCUMENTS))} to DOCUMENTS"
    assert all((REPO / name).is_file() for name in readme.DOCUMENTS)
