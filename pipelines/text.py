"""Plain text from report HTML: block elements become line breaks, table cells one per line
(the linearised form the parser also accepts from copied pages)."""
from __future__ import annotations

import re

import lxml.html

BLOCK_TAGS = {"p", "div", "br", "tr", "td", "th", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
              "section", "article", "dd", "dt", "caption"}


def html_to_text(html: str | None) -> str:
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return re.sub(r"<[^>]+>", " ", html).strip()
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    parts: list[str] = []

    def walk(element):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in BLOCK_TAGS:
            parts.append("\n")
        if element.text and tag not in ("script", "style"):
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in BLOCK_TAGS:
            parts.append("\n")

    walk(root)
    text = "".join(parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t\u3000]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)
