"""List-row reading shared by the Hanweb list mechanisms (classic jpage, jpaas, xxgk catalogue).

Not a family module (the leading underscore keeps it out of crawler.families.family_modules)."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from pipelines.detail import iso_date as detail_date
from pipelines.records import ListingEntry

JS_PAIR = re.compile(r"""['"]?(\w+)['"]?\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]+))""")
ART_DATE_IN_URL = re.compile(r"/art/(\d{4})/(\d{1,2})/(\d{1,2})/")
TRUNCATION = re.compile(r"(?:\.{2,}|…+|。{3,})\s*$")
# The element that holds one list item, nearest first, around an item's link.
ITEM_ANCESTOR = "ancestor::*[self::li or self::tr or self::p or self::dd or self::dl][1]"


def js_object_pairs(text: str) -> dict[str, str]:
    """The key/value pairs of a flat JavaScript object literal body (`a:1,b:'x'`)."""
    pairs = {}
    for key, single, double, bare in JS_PAIR.findall(text):
        pairs[key] = single or double or bare
    return pairs


def squash(text: str) -> str:
    return " ".join(text.split())


def _first_link(selector: Selector):
    for anchor in selector.xpath("//a[@href]"):
        href = anchor.attrib["href"].strip()
        if href and not href.startswith(("#", "javascript:")):
            return anchor
    return None


def parse_record(fragment: str, base_url: str) -> ListingEntry | None:
    """One list item (an `<li>`, `<p>` or `<tr>` fragment) → a listing entry."""
    markup = fragment.strip()
    if markup[:3].lower() == "<tr":
        markup = f"<table>{markup}</table>"  # a bare row would be dropped by the HTML parser
    selector = Selector(text=f"<html><body>{markup}</body></html>")
    link = _first_link(selector)
    if link is None:
        return None
    url = urljoin(base_url, link.attrib["href"].strip())  # also resolves protocol-relative //host/… links
    link_text = squash(" ".join(link.xpath(".//text()").getall()))
    # Hanweb truncates link text ("…"), and sometimes pollutes it; @title holds the full title.
    title = squash(link.attrib.get("title", "")) or TRUNCATION.sub("", link_text)
    if not title:
        return None
    # A table row's date has a cell of its own, the last one that holds a date (an index-number
    # cell like 002489817/2024-00031 comes before it); elsewhere it is the text beside the link.
    cell_texts = [" ".join(cell.xpath(".//text()").getall()) for cell in selector.xpath("//td[not(.//a[@href])]")]
    date = next((d for d in map(detail_date, reversed(cell_texts)) if d), None)
    if date is None:
        all_text = " ".join(selector.xpath("//body//text()").getall())
        date = detail_date(all_text.replace(" ".join(link.xpath(".//text()").getall()), " ", 1))
    if date is None:  # rows without a date: the article URL carries its publication day
        in_url = ART_DATE_IN_URL.search(urlsplit(url).path)
        date = detail_date("-".join(in_url.groups())) if in_url else None
    return ListingEntry(url=url, title=title, date=date)


def parse_item_html(html: str, base_url: str) -> list[ListingEntry]:
    """Every item of a list fragment whose markup is not known in advance: each link's nearest
    item element (li / tr / p / dd) is read as one record; repeated links are kept once."""
    markup = html.strip()
    if markup[:3].lower() == "<tr":
        markup = f"<table>{markup}</table>"
    selector = Selector(text=f"<html><body>{markup}</body></html>")
    entries: list[ListingEntry] = []
    seen: set[str] = set()
    for anchor in selector.xpath("//a[@href]"):
        href = anchor.attrib["href"].strip()
        if not href or href.startswith(("#", "javascript:")):
            continue
        holder = anchor.xpath(ITEM_ANCESTOR)
        item = holder[0].get() if holder else anchor.get()
        entry = parse_record(item, base_url)
        if entry is not None and entry.url not in seen:
            seen.add(entry.url)
            entries.append(entry)
    return entries
