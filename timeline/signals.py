"""Signals the timeline sends for writes Django's own model signals do not see."""

from django.dispatch import Signal

# Sent (sender=TimelineEvent, incident_ids=[…], events=[…]) after entries are added in bulk, inside
# the writing transaction: `bulk_create` sends no post_save. One send covers every incident written.
events_added = Signal()
