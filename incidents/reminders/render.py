"""What a reminder says: one headline and a few lines, then email (subject, text, HTML) and webhook JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from incidents.conf import absolute_url
from incidents.reminders.models import Reminder, Rule
from incidents.templatetags.hindsight import duration


def _days(days: int) -> str:
    return f"{days} day{'s' if days != 1 else ''}"


def headline(rule: str, context: dict[str, Any]) -> str:
    """Return the one-line summary shown in the bell, the email subject and the webhook."""
    if context.get("redacted"):
        return _redacted_headline(rule, context)
    ref = context.get("reference", "")
    title = context.get("action_title", "")
    if rule == Rule.ACTION_ASSIGNED:
        return f"You own an action item in {ref}: {title}"
    if rule == Rule.ROLE_ASSIGNED:
        by = context.get("named_by") or "Someone"
        return f"{by} named you {str(context.get('role_name', 'a role')).lower()} of {ref}"
    if rule == Rule.ACTION_DUE_SOON:
        days = int(context.get("days_left") or 0)
        when = "tomorrow" if days == 1 else f"in {_days(days)}"
        return f"Due {when}: {title} ({ref})"
    if rule in (Rule.ACTION_OVERDUE, Rule.ACTION_ESCALATION):
        days = int(context.get("days_overdue") or 0)
        state = "Due today" if days == 0 else f"Overdue by {_days(days)}"
        if rule == Rule.ACTION_ESCALATION:
            owner = context.get("owner") or "nobody"
            return f"{state} in {ref}: {title} (owner: {owner})"
        return f"{state}: {title} ({ref})"
    if rule == Rule.POSTMORTEM_OVERDUE:
        return f"Postmortem for {ref} is {_days(int(context.get('days_late') or 0))} past its due date"
    if rule == Rule.POSTMORTEM_REVIEW:
        return f"{context.get('named_by') or 'Someone'} asks you to review the postmortem for {ref}"
    if rule == Rule.INCIDENT_QUIET:
        silence = duration(int(context.get("quiet_minutes") or 0) * 60)
        return f"{ref} ({context.get('severity')}) has had no update for {silence}"
    if rule == Rule.FIX_NOT_HELD:
        earlier, category = context.get("earlier_reference"), context.get("category")
        return f"A fix did not hold: {ref} repeats {earlier} ({category})"
    if rule == Rule.WEEKLY_DIGEST:
        count = int(context.get("open_count", 0))
        items = f"{count} open action item{'s' if count != 1 else ''}"
        return f"Your week: {items}, {context.get('overdue_count', 0)} overdue"
    return "Hindsight reminder"


def _redacted_headline(rule: str, context: dict[str, Any]) -> str:
    if rule == Rule.ROLE_ASSIGNED:
        return "You were named to a role in a private incident"
    if rule in (Rule.ACTION_ASSIGNED, Rule.ACTION_DUE_SOON, Rule.ACTION_OVERDUE, Rule.ACTION_ESCALATION):
        return f"An action item of yours in a private incident is due {context.get('due_date')}"
    return "A reminder about a private incident"


def body_lines(rule: str, context: dict[str, Any], *, in_app: bool = False) -> list[str]:
    """Return the plain-text lines under the headline.

    In-app, the digest names no items: notifications outlive the access they were written under,
    and the action items page checks access every time it is opened.
    """
    if context.get("redacted"):
        return ["It belongs to a private incident you cannot see; ask its commander to add you."]
    lines: list[str] = []
    if rule == Rule.WEEKLY_DIGEST and in_app:
        return ["Open your action items to see them."]
    if rule == Rule.WEEKLY_DIGEST:
        for item in context.get("items", []):
            if item.get("redacted"):
                lines.append(
                    f"- (private incident) due {item['due_date']}{' — overdue' if item['overdue'] else ''}"
                )
            else:
                late = " — overdue" if item["overdue"] else ""
                lines.append(f"- {item['action_title']} ({item['reference']}), due {item['due_date']}{late}")
        return lines or ["Nothing open. Well done."]
    if context.get("incident_title"):
        lines.append(
            f"{context.get('reference')} · {context.get('severity')} · {context.get('incident_title')}"
        )
    if context.get("due_date") and rule != Rule.POSTMORTEM_OVERDUE:
        lines.append(f"Due {context['due_date']} · {context.get('priority', '')}".rstrip(" ·"))
    if rule == Rule.POSTMORTEM_OVERDUE:
        lines.append(
            f"The postmortem ({context.get('postmortem_status')}) was due {context.get('due_date')}."
        )
    if rule == Rule.POSTMORTEM_REVIEW:
        lines.append("Read it, then approve it or request changes.")
    if rule == Rule.ROLE_ASSIGNED:
        lines.append(f"You are now its {str(context.get('role_name', 'role holder')).lower()}.")
    if rule == Rule.FIX_NOT_HELD:
        lines.extend(_fix_not_held_lines(context))
    if rule == Rule.INCIDENT_QUIET:
        lines.append("Post a status update or add a timeline entry so everyone knows where things stand.")
    if rule == Rule.ACTION_ESCALATION:
        lines.append(
            f"You command this incident; the owner has had {context.get('overdue_number', 0)} reminders."
        )
    if context.get("snoozed"):
        lines.append("You snoozed this reminder; here it is again.")
    return lines


def _fix_not_held_lines(context: dict[str, Any]) -> list[str]:
    earlier = f"{context.get('earlier_reference')} ({context.get('earlier_title')})"
    lines = [
        f"Its confirmed {context.get('category')} cause matches {earlier}, on a shared service, "
        "after these fixes were done:"
    ]
    for fix in context.get("fixes", []):
        yours = " — yours" if fix.get("yours") else ""
        lines.append(f"- {fix.get('title')} ({fix.get('kind')}, done {fix.get('completed')}){yours}")
    if "approver" in context.get("reasons", []):
        lines.append(f"You approved the postmortem of {context.get('earlier_reference')}.")
    lines.append("Look at why the fix did not hold, and whether its postmortem needs another look.")
    return lines


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def email_links() -> tuple[str, str]:
    # Reversed once per batch of emails, not per email: reverse() costs more than the rest of a row.
    marker = "TOKEN"
    snooze = absolute_url(reverse("reminders:snooze-link", args=[marker]))
    return snooze, absolute_url(reverse("reminders:preferences"))


def email_message(reminder: Reminder, *, snooze_token: str, links: tuple[str, str] | None = None) -> Message:
    """Render a reminder's email: subject, text and HTML from templates/emails/."""
    context = reminder.context
    snooze_pattern, settings_url = links or email_links()
    snooze_base = snooze_pattern.replace("TOKEN", snooze_token)
    values = {
        "recipient": reminder.recipient,
        "rule": reminder.rule,
        "headline": headline(reminder.rule, context),
        "lines": body_lines(reminder.rule, context),
        "context": context,
        "url": "" if context.get("redacted") else absolute_url(context.get("url", "")),
        "snooze_day_url": f"{snooze_base}?for=1d",
        "snooze_week_url": f"{snooze_base}?for=1w",
        "settings_url": settings_url,
        "site_url": settings.SITE_URL,
        "is_digest": reminder.rule == Rule.WEEKLY_DIGEST,
        "items": context.get("items", []),
    }
    subject = render_to_string("emails/reminder_subject.txt", values)
    return Message(
        subject=" ".join(subject.split()),
        text=render_to_string("emails/reminder.txt", values),
        html=render_to_string("emails/reminder.html", values),
    )


def webhook_payload(reminder: Reminder) -> dict[str, Any]:
    """Return Slack-compatible JSON (`text`), with Hindsight's fields alongside."""
    context = reminder.context
    url = absolute_url(context.get("url", ""))
    title = headline(reminder.rule, context)
    who = reminder.recipient.get_username()
    text = f"{title} — for @{who}" + (f" <{url}|open>" if url else "")
    return {
        "text": text,
        "hindsight": {
            "rule": reminder.rule,
            "key": reminder.key,
            "recipient": who,
            "reference": context.get("reference"),
            "url": url,
        },
    }
