"""The one JSON parser every API endpoint uses, webhooks included (REST_FRAMEWORK settings).

On top of DRF's parser it refuses two bodies that would otherwise go wrong quietly or loudly:
- a body nested deeper than `MAX_DEPTH`, measured on the text before parsing (so a 5,000-deep
  body never reaches the recursive decoder, nor code that walks the result);
- an object with the same key twice (`{"title": "a", "title": "b"}`), which `json` would
  silently resolve to the last value.
Both are a 400 in the API's parse-error shape, `{"detail": "…"}`, before any view code runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

# Far above any real payload (an Alertmanager body is 4 deep), far below Python's recursion limit.
MAX_DEPTH = 64

# A JSON string, escapes included: brackets inside one do not nest anything.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def json_depth(text: str) -> int:
    """Return how deep arrays and objects nest in `text`, without parsing it (no recursion)."""
    brackets = _BRACKETS.findall(_STRING.sub("", text))
    return max(accumulate(_STEP[bracket] for bracket in brackets), default=0)


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(key)
        result[key] = value
    return result


def loads_strict(text: str) -> Any:
    """Parse JSON text, refusing deep nesting and duplicate keys with a ParseError (a 400)."""
    if json_depth(text) > MAX_DEPTH:
        raise ParseError(f"The JSON body is nested more than {MAX_DEPTH} levels deep.")
    try:
        return json.loads(
            text,
            object_pairs_hook=_refuse_duplicates,
            parse_constant=strict_constant if api_settings.STRICT_JSON else None,
        )
    except DuplicateKeyError as error:
        raise ParseError(f"The JSON body gives the key {error.key!r} more than once.") from error
    except (ValueError, RecursionError) as error:
        raise ParseError(f"JSON parse error - {error}") from error


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, with a nesting limit and duplicate keys refused (see the module)."""

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(f"JSON parse error - the body is not {encoding} text.") from error
        return loads_strict(text)
