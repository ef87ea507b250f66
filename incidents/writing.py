"""Blame-aware writing help: flag blame language and people named as causes.

The rules live in `incidents/data/blame_rules.json` so they can be read and changed without
reading code. The check is deterministic and local: regular expressions over the text as given
(case-insensitive, Unicode word boundaries, straight or curly apostrophes, any whitespace between
words). Spans are offsets into that same string, in characters.

A flag never blocks a save: it is a nudge shown next to the text (the postmortem editor, the cause
and action item forms) and answered by `POST /api/v1/writing-check/`. This module imports nothing
from the sub-apps, so the core's forms and the postmortems app can both use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

RULES_PATH = Path(__file__).resolve().parent / "data" / "blame_rules.json"
PERSON = "{person}"
# "no human error", "wasn't careless", "not a human error": a negation up to two words before.
NEGATION = re.compile(r"(?:\b(?:no|not|never|without|nor)|n['’]t)\s+(?:[^\s.!?;:]+\s+){0,2}$", re.IGNORECASE)
NEGATION_WINDOW = 60
MIN_NAME_LENGTH = 2


@dataclass(frozen=True)
class Flag:
    rule: str
    start: int
    end: int
    text: str
    explanation: str
    suggestion: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Rule:
    id: str
    explanation: str
    suggestion: str
    patterns: tuple[str, ...]
    unless_negated: bool = False

    @property
    def needs_people(self) -> bool:
        return any(PERSON in pattern for pattern in self.patterns)


def _phrase_pattern(phrase: str) -> str:
    """A literal phrase as whole words, any run of whitespace between them."""
    words = [re.escape(word) for word in phrase.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


@cache
def load_rules() -> tuple[tuple[Rule, ...], tuple[str, ...]]:
    """Return the rules and the generic people words (roles, pronouns) from the data file."""
    data = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    rules = tuple(
        Rule(
            id=item["id"],
            explanation=item["explanation"],
            suggestion=item["suggestion"],
            patterns=tuple(item.get("patterns", ()))
            + tuple(_phrase_pattern(w) for w in item.get("words", ())),
            unless_negated=bool(item.get("unless_negated", False)),
        )
        for item in data["rules"]
    )
    return rules, tuple(data.get("people_words", ()))


def rule_ids() -> list[str]:
    return [rule.id for rule in load_rules()[0]]


def _trie_pattern(names: Iterable[str]) -> str:
    """One regex matching any of `names`, factored by common prefix.

    A plain alternation of a thousand names is tried name by name at every position of the text;
    the trie tries one character at a time, so a long text stays fast with many people.
    """
    trie: dict[str, Any] = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + build(child)
            for char, child in sorted(node.items())
            if char != ""
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        if ends:
            body = body + "?" if body.startswith("(?:") else "(?:" + body + ")?"
        return body

    return build(trie)


def _normalised_names(people: Iterable[str]) -> tuple[str, ...]:
    names = {" ".join(name.split()).lower() for name in people}
    return tuple(sorted(name for name in names if len(name) >= MIN_NAME_LENGTH))


@lru_cache(maxsize=16)
def _compiled(names: tuple[str, ...]) -> tuple[tuple[Rule, tuple[re.Pattern[str], ...]], ...]:
    rules, people_words = load_rules()
    everyone = _normalised_names((*names, *people_words))
    person = r"(?<!\w)" + _trie_pattern(everyone) + r"(?!\w)" if everyone else "(?!)"
    return tuple(
        (
            rule,
            tuple(re.compile(pattern.replace(PERSON, person), re.IGNORECASE) for pattern in rule.patterns),
        )
        for rule in rules
    )


def _negated(text: str, start: int) -> bool:
    return NEGATION.search(text[max(0, start - NEGATION_WINDOW) : start]) is not None


def blame_flags(text: str, people: Iterable[str] = ()) -> list[Flag]:
    """Return the blame language in `text`, in reading order.

    `people` are names to recognise as a person (usernames, full names); roles and pronouns
    ("the engineer", "she") are always recognised. Names match case-insensitively as whole words.
    """
    if not text:
        return []
    flags: dict[tuple[str, int, int], Flag] = {}
    for rule, patterns in _compiled(_normalised_names(people)):
        for pattern in patterns:
            for match in pattern.finditer(text):
                start, end = match.span()
                if start == end or (rule.unless_negated and _negated(text, start)):
                    continue
                flags.setdefault(
                    (rule.id, start, end),
                    Flag(rule.id, start, end, match.group(), rule.explanation, rule.suggestion),
                )
    return sorted(flags.values(), key=lambda flag: (flag.start, flag.end, flag.rule))


def flag_key(flag: Flag) -> tuple[str, str]:
    """What a dismissal remembers: the rule and the matched words (case and spacing ignored)."""
    return flag.rule, matched_text_key(flag.text)


def matched_text_key(text: str) -> str:
    return " ".join(text.split()).casefold().replace("’", "'")[:200]
