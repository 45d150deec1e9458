"""README.md and docs/*.md: every link stays inside the repository and resolves, and the README stays short.

Markdown is parsed with markdown-it-py (CommonMark), so links inside code blocks and code spans are not
links. Anchors follow GitHub's rule for heading ids. The only web addresses allowed are the local
server's examples (127.0.0.1, localhost): the docs never link outside the repository.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
DOCUMENTS = [README, *sorted((REPO / "docs").glob("*.md"))]
README_MAX_LINES = 200
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
BARE_URL = re.compile(r"\bhttps?://[^\s<>)`\"']+")
PARSER = MarkdownIt("commonmark")


def inline_tokens(text: str) -> Iterator[Token]:
    """Every token inside the paragraphs, headings and table cells of ``text``."""
    for block in PARSER.parse(text):
        yield from block.children or ()


def links(text: str) -> list[str]:
    """The target of every link and image of ``text`` (inline, reference-style and autolinks)."""
    found = []
    for token in inline_tokens(text):
        if token.type == "link_open":
            found.append(str(token.attrGet("href")))
        elif token.type == "image":
            found.append(str(token.attrGet("src")))
    return found


def bare_urls(text: str) -> list[str]:
    """Web addresses in plain text, outside code and links, which GitHub would turn into links."""
    found, in_link = [], False
    for token in inline_tokens(text):
        in_link = token.type == "link_open" or (in_link and token.type != "link_close")
        if token.type == "text" and not in_link:
            found += BARE_URL.findall(token.content)
    return found


def github_slug(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces made hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The ids of the headings of ``path``, with GitHub's -1, -2 ... for repeated ones."""
    seen: dict[str, int] = {}
    tokens = PARSER.parse(path.read_text(encoding="utf-8"))
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "heading_open":
            continue
        plain = "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))
        slug = github_slug(plain)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        if count:
            seen[f"{slug}-{count}"] = 1
    return set(seen)


def broken_link(document: Path, target: str) -> str | None:
    """Why ``target``, linked from ``document``, is not a working link inside the repository; None if it is."""
    parts = urlsplit(target)
    if parts.scheme in ("http", "https"):
        return None if parts.hostname in LOCAL_HOSTS else "links outside the repository"
    if parts.scheme or parts.netloc:
        return f"a {parts.scheme or 'network'} link: the docs link only to files of the repository"
    file = (document.parent / unquote(parts.path)).resolve() if parts.path else document
    if not file.is_relative_to(REPO):
        return "points outside the repository"
    if not file.exists():
        return f"{file.relative_to(REPO)} does not exist"
    if parts.fragment and parts.fragment not in anchors(file):
        return f"{file.relative_to(REPO)} has no heading #{parts.fragment}"
    return None


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_every_link_resolves_inside_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    problems = [f"{target}: {why}" for target in links(text) if (why := broken_link(document, target))]
    problems += [
        f"{url}: a web address outside the repository"
        for url in bare_urls(text)
        if urlsplit(url).hostname not in LOCAL_HOSTS
    ]
    assert not problems, f"{document.relative_to(REPO)}:\n" + "\n".join(problems)


def test_the_readme_is_read_in_five_minutes() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines, at most {README_MAX_LINES}"


def test_the_two_commands_are_on_the_readmes_first_screen() -> None:
    first_screen = README.read_text(encoding="utf-8").splitlines()[:20]
    commands = [line.split("#")[0].strip() for line in first_screen if line.startswith("make ")]
    assert commands == ["make run", "make test"]
    explained = [line.split("#", 1)[1] for line in first_screen if line.startswith("make ")]
    assert all("installs" in explanation for explanation in explained)


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("https://example.com/page", "links outside the repository"),
        ("mailto:someone@example.com", "a mailto link: the docs link only to files of the repository"),
        ("//example.com/x", "a network link: the docs link only to files of the repository"),
        ("../../etc/passwd", "points outside the repository"),
        ("docs/no-such-page.md", "docs/no-such-page.md does not exist"),
        ("docs/learning.md#no-such-heading", "docs/learning.md has no heading #no-such-heading"),
    ],
)
def test_the_check_refuses_bad_links(target: str, why: str) -> None:
    assert broken_link(README, target) == why


def test_the_check_reads_links_as_github_does() -> None:
    text = (
        "[a](docs/api.md) ![b](docs/dashboard.png) <http://127.0.0.1:8000/> [c][ref] see https://example.org\n\n"
        "[ref]: docs/runs.md#publishing\n\n`[not](a-link.md) https://in.code`\n\n```\n[nor](this.md)\n```\n"
    )
    assert links(text) == ["docs/api.md", "docs/dashboard.png", "http://127.0.0.1:8000/", "docs/runs.md#publishing"]
    assert bare_urls(text) == ["https://example.org"]
    assert broken_link(README, "docs/runs.md#publishing") is None
    assert github_slug("The flat PPO's plateau") == "the-flat-ppos-plateau"
    assert github_slug("What was tried (issue 13, item 2)") == "what-was-tried-issue-13-item-2"
    assert "post-apitrainingstart" in anchors(REPO / "docs" / "api.md")
