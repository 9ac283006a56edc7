"""Every relative link in README.md, CHANGELOG.md and docs/ points to a file that exists, and
every anchor (`page.md#section`, `#section`) to a heading of that page, as GitHub renders it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")],
    key=lambda p: p.relative_to(ROOT).as_posix(),
)

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# [text](target "title") and ![alt](target): the target, with or without <...>.
_INLINE = re.compile(r"\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
# [label]: target
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _prose_lines(text: str) -> list[str]:
    """The page's lines outside fenced code blocks, HTML comments and code spans."""
    lines = []
    fence: str | None = None
    for line in _COMMENT.sub("", text).splitlines():
        match = _FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text as rendered, lower case, punctuation other than
    `-` and `_` dropped, spaces made hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = _CODE_SPAN.sub(lambda m: m.group(0).strip("`"), text)
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in _prose_lines(page.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def links(page: Path) -> list[str]:
    targets = []
    for line in _prose_lines(page.read_text(encoding="utf-8")):
        reference = _REFERENCE.match(line)
        if reference:
            targets.append(reference.group(1))
            continue
        targets.extend(m.group(1) for m in _INLINE.finditer(_CODE_SPAN.sub("", line)))
    return [t[1:-1] if t.startswith("<") else t for t in targets]


def problems(page: Path) -> list[str]:
    found = []
    for target in links(page):
        if _SCHEME.match(target) or target.startswith("//"):
            continue  # https:, mailto:, ...: not a file of this repository
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not destination.exists():
            found.append(f"{target}: {destination} does not exist")
        elif (
            anchor
            and destination.suffix == ".md"
            and destination.is_file()
            and unquote(anchor).lower() not in anchors(destination)
        ):
            found.append(f"{target}: no heading with the anchor #{anchor} in {destination.name}")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(page: Path) -> None:
    assert problems(page) == []


def test_the_pages_are_found_and_linked() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in PAGES}
    assert {"README.md", "CHANGELOG.md", "docs/usage.md", "docs/integrations.md"} <= names
    # The parser sees README's links, so an empty result above is not a parser that finds none.
    readme = links(ROOT / "README.md")
    assert "docs/usage.md" in readme
    assert "CHANGELOG.md" in readme


def test_integrations_show_the_tested_pre_commit_snippet() -> None:
    """docs/integrations.md repeats README's snippet, which tests/test_pre_commit.py runs."""
    snippet = re.compile(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", re.DOTALL)
    readme = snippet.search((ROOT / "README.md").read_text(encoding="utf-8"))
    page = snippet.search((ROOT / "docs" / "integrations.md").read_text(encoding="utf-8"))
    assert readme is not None and page is not None
    assert page.group(1) == readme.group(1)


def test_slugs_follow_github() -> None:
    assert slug("Runtime confirmation (`--confirm`)") == "runtime-confirmation---confirm"
    assert slug("The get_config family (SER102-SER110)") == "the-get_config-family-ser102-ser110"
    assert slug("Editors, flake8") == "editors-flake8"
    assert slug("pre-commit") == "pre-commit"


def test_a_broken_link_is_reported(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Real heading\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md) [ok](other.md#real-heading) [ok](#here) [web](https://example.com)\n"
        "`[not a link](missing-in-code.md)`\n"
        "```\n[not a link](missing-in-fence.md)\n```\n"
        "[gone](missing.md) [bad anchor](other.md#nope)\n"
        "[ref]: also-missing.md\n"
        "## Here\n"
    )
    assert problems(page) == [
        f"missing.md: {tmp_path / 'missing.md'} does not exist",
        "other.md#nope: no heading with the anchor #nope in other.md",
        f"also-missing.md: {tmp_path / 'also-missing.md'} does not exist",
    ]
