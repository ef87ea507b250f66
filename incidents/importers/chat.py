"""Chat transcripts: a pasted Slack export (JSON) or a plain-text log becomes candidate timeline
lines that a responder reviews (keep, key, kind) before anything is saved.

Plain text: one message per line, `[HH:MM] name: text` (or `[HH:MM:SS]`), read on the given date in
the given timezone; a clock that goes backwards means the log crossed midnight; a line without a
`[time]` continues the message before it. Slack: a channel's day file from a workspace export
(`[{"type": "message", "user", "text", "ts", "user_profile": {"real_name"}}]`) or a
`conversations.history` response (`{"messages": [...]}`); `ts` is seconds since 1970 (UTC).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.importers.common import obj
from timeline.actors import Actor
from timeline.choices import HUMAN_KINDS, EventSource
from timeline.models import TimelineEvent
from timeline.services import timeline_event_add

MAX_LINES = 2000
_LINE = re.compile(
    r"^\s*\[(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?\]\s*(?P<name>[^:]{1,80}):\s?(?P<text>.*)$"
)
_SLACK_MENTION = re.compile(r"<@(\w+)>")


@dataclass
class ChatLine:
    occurred_at: datetime
    name: str
    text: str

    @property
    def body(self) -> str:
        return f"**{self.name}:** {self.text}" if self.name else self.text

    @property
    def key(self) -> str:
        """The same line pasted twice has the same key: saving it again adds nothing."""
        digest = hashlib.sha256(
            f"{self.occurred_at.isoformat()}|{self.name}|{self.text}".encode()
        ).hexdigest()
        return f"chat:{digest[:32]}"


def parse_transcript(text: str, *, day: date | None, zone: tzinfo) -> list[ChatLine]:
    """Return the transcript's messages in order; ValidationError (field `transcript`) if unreadable."""
    stripped = text.strip()
    if not stripped:
        raise ValidationError({"transcript": "Paste a transcript."})
    if stripped[0] in "[{" and not _LINE.match(stripped.splitlines()[0]):
        return _slack(stripped)
    if day is None:
        raise ValidationError({"day": "Give the date the log starts on."})
    return _plain(stripped, day, zone)


def _plain(text: str, day: date, zone: tzinfo) -> list[ChatLine]:
    lines: list[ChatLine] = []
    previous: datetime | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        match = _LINE.match(raw)
        if match is None:
            if not lines:
                raise ValidationError(
                    {"transcript": f"Line {number} has no [HH:MM] time: {raw.strip()[:60]!r}."}
                )
            lines[-1].text += "\n" + raw.strip()
            continue
        clock = time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
        when = datetime.combine(day, clock).replace(tzinfo=zone).astimezone(UTC)
        if previous is not None and when < previous - timedelta(minutes=1):
            day += timedelta(days=1)  # the log crossed midnight
            when = datetime.combine(day, clock).replace(tzinfo=zone).astimezone(UTC)
        previous = when
        lines.append(ChatLine(occurred_at=when, name=match["name"].strip(), text=match["text"].strip()))
        if len(lines) > MAX_LINES:
            raise ValidationError({"transcript": f"Paste at most {MAX_LINES} messages at a time."})
    return lines


def _slack(text: str) -> list[ChatLine]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ValidationError({"transcript": f"This is not valid JSON: {error}."}) from error
    messages = data.get("messages") if isinstance(data, dict) else data
    if not isinstance(messages, list):
        raise ValidationError(
            {"transcript": 'A Slack export is a list of messages (or {"messages": [...]}).'}
        )
    names: dict[str, str] = {}
    for message in messages:
        profile = obj(obj(message).get("user_profile"))
        user = str(obj(message).get("user") or "")
        if user and (profile.get("real_name") or profile.get("display_name")):
            names[user] = str(profile.get("real_name") or profile.get("display_name"))
    lines: list[ChatLine] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("type", "message") != "message":
            continue
        if message.get("subtype") in ("channel_join", "channel_leave", "bot_add"):
            continue
        try:
            when = datetime.fromtimestamp(float(str(message.get("ts"))), tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError) as error:
            raise ValidationError({"transcript": f"Message {index + 1} has no readable ts."}) from error
        user = str(message.get("user") or message.get("username") or "")
        body = _SLACK_MENTION.sub(
            lambda match: "@" + names.get(match[1], match[1]), str(message.get("text") or "")
        )
        if not body.strip():
            continue
        lines.append(ChatLine(occurred_at=when, name=names.get(user, user), text=body.strip()))
    if len(lines) > MAX_LINES:
        raise ValidationError({"transcript": f"Paste at most {MAX_LINES} messages at a time."})
    return sorted(lines, key=lambda line: line.occurred_at)


@dataclass
class ReviewedLine:
    line: ChatLine
    keep: bool
    is_key: bool
    kind: str


@transaction.atomic
def chat_lines_save(*, incident: Any, actor: Actor, lines: list[ReviewedLine]) -> int:
    """Add the kept lines as `import` entries at their own times; lines saved before are skipped.

    One transaction: a line the timeline refuses (a time in the future, say) saves none of them.
    """
    kept = [reviewed for reviewed in lines if reviewed.keep]
    for reviewed in kept:
        if reviewed.kind not in HUMAN_KINDS:
            raise ValidationError({"kind": f"{reviewed.kind!r} is not a kind people write."})
    existing = set(
        TimelineEvent.all_objects.filter(
            incident=incident, external_id__in=[reviewed.line.key for reviewed in kept]
        ).values_list("external_id", flat=True)
    )
    added = 0
    for reviewed in kept:
        if reviewed.line.key in existing:
            continue
        timeline_event_add(
            incident=incident,
            actor=actor,
            kind=reviewed.kind,
            body=reviewed.line.body,
            occurred_at=reviewed.line.occurred_at,
            is_key=reviewed.is_key,
            source=EventSource.IMPORT,
            external_id=reviewed.line.key,
        )
        existing.add(reviewed.line.key)
        added += 1
    return added
