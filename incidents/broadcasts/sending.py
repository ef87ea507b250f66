"""Chat payloads in each vendor's documented shape, and the HTTP POST that sends them.

- Slack incoming webhook: `{"text", "blocks"}` (text is the notification fallback).
- Slack `chat.postMessage`: the same plus `channel`, with `Authorization: Bearer <token>`; Slack
  answers 200 with `{"ok": false, "error": …}` on failure, so the body is read too.
- Mattermost incoming webhook: `{"text", "username", "channel"}` (Markdown text).
- Microsoft Teams workflow webhook: `{"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "content": <AdaptiveCard 1.4>}]}`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from incidents.conf import hindsight_setting

from .models import BroadcastChannel, ChannelKind

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
USERNAME = "Hindsight"
# Worth another try later: the receiver is down, overloaded or rate limiting us.
RETRYABLE_STATUSES = {408, 425, 429}
SLACK_RETRYABLE_ERRORS = {
    "ratelimited",
    "rate_limited",
    "service_unavailable",
    "fatal_error",
    "internal_error",
}


@dataclass
class SendFailure(Exception):
    """A post that did not go through: `retryable` says whether trying again may help."""

    error: str
    retryable: bool
    response_code: int | None = None

    def __str__(self) -> str:
        return self.error


def _facts(message: dict[str, Any]) -> list[tuple[str, str]]:
    services = ", ".join(message.get("services") or []) or "—"
    return [("Severity", message["severity"]), ("Status", message["status"]), ("Services", services)]


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn treats these three as control characters (links, mentions).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(message: dict[str, Any]) -> dict[str, Any]:
    headline = _slack_escape(message["headline"])
    facts = " · ".join(f"{name}: {_slack_escape(value)}" for name, value in _facts(message))
    section = f"*<{message['url']}|{headline}>*"
    if message.get("text"):
        section += "\n" + _slack_escape(message["text"])[:2500]
    return {
        "text": message["headline"],
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": section}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": facts}]},
        ],
    }


def mattermost_payload(message: dict[str, Any], *, channel: str = "") -> dict[str, Any]:
    facts = " · ".join(f"{name}: {value}" for name, value in _facts(message))
    text = f"**[{message['headline']}]({message['url']})**\n{facts}"
    if message.get("text"):
        text += "\n\n" + message["text"]
    payload: dict[str, Any] = {"text": text, "username": USERNAME}
    if channel:
        payload["channel"] = channel
    return payload


def teams_payload(message: dict[str, Any]) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message["headline"],
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
    ]
    if message.get("text"):
        body.append({"type": "TextBlock", "text": message["text"], "wrap": True})
    body.append(
        {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in _facts(message)]}
    )
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [
            {"type": "Action.OpenUrl", "title": f"Open {message['reference']}", "url": message["url"]}
        ],
    }
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}],
    }


def payload_for(channel: BroadcastChannel, message: dict[str, Any]) -> dict[str, Any]:
    if channel.kind == ChannelKind.SLACK_API:
        return {"channel": channel.target, **slack_payload(message)}
    if channel.kind == ChannelKind.SLACK_WEBHOOK:
        return slack_payload(message)
    if channel.kind == ChannelKind.MATTERMOST:
        return mattermost_payload(message, channel=channel.target)
    return teams_payload(message)


def post_json(
    url: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """POST JSON with a timeout; return (status, body) for any HTTP answer, raise SendFailure otherwise."""
    if not url.startswith(("http://", "https://")):
        raise SendFailure(f"The channel URL must be http(s): {url!r}", retryable=False)
    body = json.dumps(payload).encode()
    request = urllib.request.Request(  # noqa: S310 — scheme checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Hindsight-Broadcasts",
            **(headers or {}),
        },
    )
    timeout: float = hindsight_setting("BROADCAST_TIMEOUT")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 — scheme checked above
            return int(response.status), response.read(65536)
    except urllib.error.HTTPError as error:
        return int(error.code), error.read(65536) if error.fp else b""
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise SendFailure(f"{type(error).__name__}: {error}", retryable=True) from error


def send(channel: BroadcastChannel, message: dict[str, Any]) -> int:
    """Post the message to the channel; return the HTTP status, raise SendFailure when it failed."""
    headers = {"Authorization": f"Bearer {channel.token}"} if channel.kind == ChannelKind.SLACK_API else {}
    if channel.kind == ChannelKind.SLACK_API and not channel.target:
        raise SendFailure(
            "chat.postMessage needs a Slack channel ID (the channel's target).", retryable=False
        )
    status, body = post_json(channel.endpoint, payload_for(channel, message), headers=headers)
    if not 200 <= status < 300:
        snippet = body[:300].decode(errors="replace")
        raise SendFailure(
            f"HTTP {status}: {snippet}",
            retryable=status >= 500 or status in RETRYABLE_STATUSES,
            response_code=status,
        )
    if channel.kind == ChannelKind.SLACK_API:
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            answer = {}
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            error = (
                str(answer.get("error", "no ok in the answer")) if isinstance(answer, dict) else "bad answer"
            )
            raise SendFailure(
                f"Slack answered ok=false: {error}",
                retryable=error in SLACK_RETRYABLE_ERRORS,
                response_code=status,
            )
    return status
