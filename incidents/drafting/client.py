"""The OpenAI Chat Completions wire protocol, spoken to whatever endpoint the admin configured.

`POST {base}/chat/completions` with `Authorization: Bearer <key>`, `{"model", "messages"}`; the
answer is `choices[0].message.content`. Ollama, vLLM, llama.cpp's server, LiteLLM and the hosted
APIs all speak it, so no vendor SDK is needed: `requests` (pinned in requirements.txt) is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from incidents.conf import hindsight_setting

# Worth another try later: the server is busy, rate limiting or restarting.
RETRYABLE_STATUSES = {408, 409, 425, 429}
USER_AGENT = "Hindsight-Drafting"


@dataclass(frozen=True)
class ModelEndpoint:
    base_url: str
    model: str
    api_key: str
    local: bool
    timeout: float
    max_attempts: int

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"


def model_endpoint() -> ModelEndpoint | None:
    """Return the configured endpoint, or None while drafting is off (no base URL or no model)."""
    base_url = str(hindsight_setting("LLM_BASE_URL") or "").strip()
    model = str(hindsight_setting("LLM_MODEL") or "").strip()
    if not base_url or not model:
        return None
    return ModelEndpoint(
        base_url=base_url,
        model=model,
        api_key=str(hindsight_setting("LLM_API_KEY") or ""),
        local=bool(hindsight_setting("LLM_LOCAL")),
        timeout=float(hindsight_setting("LLM_TIMEOUT")),
        max_attempts=int(hindsight_setting("LLM_MAX_ATTEMPTS")),
    )


@dataclass
class ModelCallFailure(Exception):
    """A call that gave no usable answer: `retryable` says whether trying again may help."""

    error: str
    retryable: bool

    def __str__(self) -> str:
        return self.error


def chat_completion(endpoint: ModelEndpoint, messages: list[dict[str, str]]) -> tuple[str, str]:
    """Send the messages; return (the answer's text, the model that answered)."""
    if not endpoint.url.startswith(("http://", "https://")):
        raise ModelCallFailure(
            f"The model's base URL must be http(s): {endpoint.base_url!r}", retryable=False
        )
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    payload: dict[str, Any] = {
        "model": endpoint.model,
        "messages": messages,
        "temperature": 0.2,
        "stream": False,
    }
    try:
        # No redirects: the record goes to the configured endpoint and nowhere else.
        response = requests.post(
            endpoint.url, json=payload, headers=headers, timeout=endpoint.timeout, allow_redirects=False
        )
    except requests.Timeout as error:
        raise ModelCallFailure(
            f"No answer within {endpoint.timeout:g} s ({error}).", retryable=True
        ) from error
    except requests.RequestException as error:
        raise ModelCallFailure(
            f"Could not reach the model: {type(error).__name__}: {error}", retryable=True
        ) from error
    if not 200 <= response.status_code < 300:
        snippet = response.text[:300]
        raise ModelCallFailure(
            f"The model's endpoint answered HTTP {response.status_code}: {snippet}",
            retryable=response.status_code >= 500 or response.status_code in RETRYABLE_STATUSES,
        )
    return _content(response), endpoint.model


def _content(response: Any) -> str:
    try:
        answer = response.json()
        content = answer["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise ModelCallFailure(
            "The answer is not a Chat Completions response (no choices[0].message.content).", retryable=False
        ) from error
    if not isinstance(content, str) or not content.strip():
        raise ModelCallFailure("The model answered with no text.", retryable=True)
    return content
