"""The interface every CMS family adapter implements.

A family knows how one kind of portal lays out its column: where the list pages are, how they
paginate, how a list row looks. How its detail pages differ from the common reader
(pipelines.detail) is a quirk in pipelines/detail_quirks.py under the family's name, so the crawl,
`nianbao parse` and `nianbao reparse` read a page the same way. The spider stays generic: it owns error handling, page caps, dedup,
incremental skipping, attachments and item building.

Requests a family yields from `start` or `parse_list` go back to the family's `parse_list`
(or to the method named by `step`), through the spider. ListingEntry objects are detail pages
the spider may fetch.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

import scrapy

from pipelines.records import ListingEntry

if TYPE_CHECKING:
    from crawler.registry import Portal


class Family:
    name: str = ""
    # Telltales of the family's pages (all must match). Recognition tries the most specific family
    # first, so a Guangdong gkmlpt page that also carries TRS markup is gkmlpt.
    markup_signs: tuple[re.Pattern, ...] = ()
    specificity: int = 0

    def recognises(self, html: str) -> bool:
        """Whether a page (a column page, list page or detail page) shows this family's markup."""
        return bool(self.markup_signs) and all(sign.search(html) for sign in self.markup_signs)

    # --- list side -------------------------------------------------------------------
    def start(self, portal: "Portal") -> Iterable[scrapy.Request]:
        for url in portal.start_urls:
            yield self.list_request(url)

    def parse_list(self, response, portal: "Portal") -> Iterable[scrapy.Request | ListingEntry]:
        raise NotImplementedError

    # --- helpers ---------------------------------------------------------------------
    @staticmethod
    def list_request(url: str, step: str = "parse_list", **kwargs) -> scrapy.Request:
        """A request for a list page (or list API); the spider routes its response to `step`."""
        meta = kwargs.pop("meta", {}) or {}
        meta["nianbao_step"] = step
        return scrapy.Request(url, meta=meta, dont_filter=kwargs.pop("dont_filter", False), **kwargs)

    @staticmethod
    def list_form_request(url: str, formdata: dict[str, str], step: str = "parse_list", **kwargs):
        meta = kwargs.pop("meta", {}) or {}
        meta["nianbao_step"] = step
        return scrapy.FormRequest(url, formdata=formdata, meta=meta, **kwargs)
