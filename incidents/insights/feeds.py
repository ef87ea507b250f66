"""The Atom feed of public status updates (the status page's, nothing else)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from incidents import selectors
from incidents.choices import Status
from incidents.markdown import render_markdown
from incidents.models import StatusUpdate

FEED_LENGTH = 50


class PublicUpdatesFeed(Feed):
    feed_type = Atom1Feed
    title = "Hindsight status"
    subtitle = "Public updates on incidents."
    description_template = None

    def link(self) -> str:
        return reverse("status-page")

    def feed_url(self) -> str:
        return reverse("status-feed")

    def items(self) -> QuerySet[StatusUpdate]:
        return selectors.public_status_updates()[:FEED_LENGTH]

    def item_title(self, item: StatusUpdate) -> str:
        # The title between Unicode isolates: direction controls in it cannot reorder the rest.
        return f"{item.incident.reference} \u2068{item.incident.title}\u2069 — {Status(item.status).label}"

    def item_description(self, item: StatusUpdate) -> str:
        return str(render_markdown(item.message))

    def item_link(self, item: StatusUpdate) -> str:
        return reverse("status-incident", args=[item.incident.reference]) + f"#update-{item.pk}"

    def item_guid(self, item: StatusUpdate) -> str:
        return f"urn:hindsight:status-update:{item.pk}"

    def item_guid_is_permalink(self, item: StatusUpdate) -> bool:
        return False

    def item_pubdate(self, item: StatusUpdate) -> datetime:
        return item.posted_at

    def item_updateddate(self, item: StatusUpdate) -> datetime:
        return item.posted_at
