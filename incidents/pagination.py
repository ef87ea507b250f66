"""Pagination shared by the UI lists and the API."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator

# Beyond this a page's offset would not fit the database's integers: such a page is counted and
# refused (404) rather than asked for.
MAX_PAGE_NUMBER = 10**9


class LastPageCountingPaginator(Paginator):
    """A Paginator that counts a last page from its own rows instead of with COUNT(*).

    A page is read with one row more than it shows: when that row is not there, the page is the
    last, and the total is the rows before it plus the ones read. Most timelines and filtered lists
    fit on one page, so they are listed in one query instead of two; a longer one is counted as before.
    """

    def page(self, number: Any) -> Page:
        if "count" in self.__dict__:
            return super().page(number)
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # refuses it, as Paginator does
        if wanted < 1 or wanted > MAX_PAGE_NUMBER:
            return super().page(number)  # refused (or counted, then refused) as Paginator does
        bottom = (wanted - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + self.orphans + 1])
        if len(rows) <= self.per_page + self.orphans and (rows or wanted == 1):
            self.__dict__["count"] = bottom + len(rows)  # the last page: the total is known
            return Page(rows, wanted, self)
        if not rows:
            return super().page(number)  # past the end: counted, then refused as Paginator does
        self.validate_number(wanted)  # more pages follow: count them (the response shows it)
        return Page(rows[: self.per_page], wanted, self)
