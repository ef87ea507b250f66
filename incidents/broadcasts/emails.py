"""Emails: a subject, a text body and an HTML body from templates/emails/ for each kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from incidents.markdown import render_markdown
from incidents.models import Incident, StatusUpdate

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from .models import StatusSubscriber

CONFIRM_SALT = "hindsight.broadcasts.confirm"
UNSUBSCRIBE_SALT = "hindsight.broadcasts.unsubscribe"


def site_url() -> str:
    return str(settings.SITE_URL)


def _message(
    template: str, values: dict[str, Any], *, to: str, headers: dict[str, str]
) -> EmailMultiAlternatives:
    values = {**values, "site_url": site_url()}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", values).split())
    email = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"emails/{template}.txt", values), to=[to], headers=headers
    )
    email.attach_alternative(render_to_string(f"emails/{template}.html", values), "text/html")
    return email


def follower_email(*, user: User, message: dict[str, Any], delivery_id: int) -> EmailMultiAlternatives:
    """What a follower gets by email: the headline, the update text, a link, how to stop."""
    return _message(
        "follow",
        {"recipient": user, "message": message},
        to=user.email,
        # Stable per delivery, so a mail system can drop the copy of a crashed send.
        headers={"Message-ID": f"<follow-{delivery_id}@hindsight>"},
    )


def confirm_token(subscriber: StatusSubscriber) -> str:
    return signing.dumps({"s": subscriber.pk, "e": subscriber.email}, salt=CONFIRM_SALT, compress=True)


def unsubscribe_token(subscriber: StatusSubscriber) -> str:
    """Sign the subscriber's token: a link nobody can make up, valid for as long as the subscription.

    It never expires (an unsubscribe link in an old email must still work); signing up again gives
    the address a new token, which retires the old links.
    """
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(subscriber.token)


def unsubscribe_url(subscriber: StatusSubscriber) -> str:
    return site_url() + reverse("status-unsubscribe", args=[unsubscribe_token(subscriber)])


def _unsubscribe_headers(subscriber: StatusSubscriber) -> dict[str, str]:
    # RFC 8058: mail clients show an "Unsubscribe" button that POSTs to the link, one click.
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def confirmation_email(*, subscriber: StatusSubscriber) -> EmailMultiAlternatives:
    confirm_url = site_url() + reverse("status-subscribe-confirm", args=[confirm_token(subscriber)])
    return _message(
        "status_confirm",
        {"confirm_url": confirm_url, "unsubscribe_url": unsubscribe_url(subscriber)},
        to=subscriber.email,
        headers=_unsubscribe_headers(subscriber),
    )


def status_update_email(
    *, subscriber: StatusSubscriber, update: StatusUpdate, incident: Incident
) -> EmailMultiAlternatives:
    values = {
        "incident": incident,
        "update": update,
        "message_html": render_markdown(update.message),
        "incident_url": site_url() + reverse("status-incident", args=[incident.reference]),
        "unsubscribe_url": unsubscribe_url(subscriber),
    }
    headers = {
        **_unsubscribe_headers(subscriber),
        "Message-ID": f"<status-{update.pk}-{subscriber.pk}@hindsight>",
    }
    return _message("status_update", values, to=subscriber.email, headers=headers)
