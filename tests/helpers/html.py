"""Reading a page as a person would: its text, its <main>, its links, inputs and forms."""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser

from django.contrib.messages import get_messages
from django.http import HttpResponse

#: The heading of the site's "not found" page (templates/404.html).
NOT_FOUND = "We could not find that page"


def page_text(html: str) -> str:
    """What a reader sees: no scripts, no tags, entities decoded, whitespace collapsed."""
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<[^>]+>", " ", html)
    return " ".join(htmllib.unescape(html).split())


def main_part(html: str) -> str:
    """The page's <main> element (fails the test if there is none)."""
    match = re.search(r"<main\b.*?</main>", html, flags=re.S)
    assert match, "the page has no <main>"
    return match.group(0)


def main_text(response: HttpResponse) -> str:
    """What a reader sees in the <main> of a response's page."""
    return page_text(main_part(response.content.decode()))


def messages_of(response: HttpResponse) -> list[str]:
    """The flash messages the response's request queued, as text."""
    return [str(message) for message in get_messages(response.wsgi_request)]


class ParsedPage(HTMLParser):
    """The links (href, visible text), inputs and forms (their attributes) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.inputs: list[dict[str, str | None]] = []
        self.forms: list[dict[str, str | None]] = []
        self._open: list[list[str]] = []
        self._hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._hrefs.append(dict(attrs).get("href") or "")
            self._open.append([])
        elif tag == "input":
            self.inputs.append(dict(attrs))
        elif tag == "form":
            self.forms.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._hrefs:
            words = self._open.pop()
            self.links.append((self._hrefs.pop(), " ".join(" ".join(words).split())))

    def handle_data(self, data: str) -> None:
        for words in self._open:
            words.append(data)


def parse(html: str) -> ParsedPage:
    parser = ParsedPage()
    parser.feed(html)
    return parser


def links(html: str) -> list[tuple[str, str]]:
    """(href, visible text) of every link."""
    return parse(html).links


def hrefs(html: str) -> list[str]:
    return [href for href, _ in links(html)]
