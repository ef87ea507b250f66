"""Checks on a model's draft before anyone sees it. Deterministic and local.

1. Every sentence carries citations (`[E12]`, `[C3][A5]`, `[E1, U2]`), and every cited id is an
   item given to the model for this incident. A sentence without one, or citing anything else, is
   left out, with the reason.
2. A sentence citing a cause that is only suspected (or ruled out) must not state it as established:
   confirming phrases ("caused by", "root cause was", …) without a hedge ("suspected", "may have",
   …) leave the sentence out. The phrases live in `data/cause_certainty.json`.
3. The blame check (`incidents.writing.blame_flags`) runs on what is kept: its flags are shown with
   the suggestion, as in the editor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from incidents.writing import blame_flags

CERTAINTY_PATH = Path(__file__).resolve().parent / "data" / "cause_certainty.json"
# One bracket of ids: [E12], [C3, E4], [e5; a2]. Anything else in brackets is ordinary text.
CITATION = re.compile(r"\[\s*([A-Za-z]{1,3}\d{1,6}(?:\s*[,;]\s*[A-Za-z]{1,3}\d{1,6})*)\s*\]")
CITATION_ID = re.compile(r"[A-Za-z]{1,3}\d{1,6}")
LEADING_CITATIONS = re.compile(r"^(?:\s*" + CITATION.pattern + r")+")
# A sentence ends at . ! or ? (optionally after a closing quote or bracket) followed by space and a
# capital, a digit, a citation, a quote or Markdown emphasis: "e.g. the" and "v2.3" do not end one.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'’”)]?\s+(?=[A-Z0-9\[\"'“*_`])")
BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
HEADING = re.compile(r"^\s*#{1,6}\s")


@dataclass(frozen=True)
class Removal:
    sentence: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"sentence": self.sentence, "reason": self.reason}


@dataclass
class CheckedDraft:
    text: str
    cited: list[str] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CauseFacts:
    """What the certainty check needs to know of a cited cause."""

    status: str
    status_label: str


def _phrase(words: str) -> str:
    parts = [re.escape(word).replace("'", "['’]") for word in words.split()]
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


@cache
def certainty_rules() -> tuple[frozenset[str], re.Pattern[str], re.Pattern[str], str]:
    """Return (statuses checked, confirming pattern, hedge pattern, explanation template)."""
    data = json.loads(CERTAINTY_PATH.read_text(encoding="utf-8"))
    longest_first = lambda words: sorted(words, key=len, reverse=True)  # noqa: E731
    confirming = re.compile("|".join(_phrase(w) for w in longest_first(data["confirming"])), re.IGNORECASE)
    hedges = re.compile("|".join(_phrase(w) for w in longest_first(data["hedges"])), re.IGNORECASE)
    return frozenset(data["statuses"]), confirming, hedges, data["explanation"]


def citation_ids(sentence: str) -> list[str]:
    """Return the ids a sentence cites, upper-cased, in order, without repeats."""
    found: list[str] = []
    for match in CITATION.finditer(sentence):
        for raw in CITATION_ID.findall(match.group(1)):
            ident = raw.upper()
            if ident not in found:
                found.append(ident)
    return found


def normalise_citations(sentence: str) -> str:
    """Write every bracket of ids as one bracket per id: `[E1, c2]` → `[E1][C2]`."""
    return CITATION.sub(
        lambda m: "".join(f"[{i.upper()}]" for i in CITATION_ID.findall(m.group(1))), sentence
    )


def _units(text: str) -> list[tuple[str, str]]:
    """Split Markdown into units: (prefix, text) per bullet, one per paragraph ("" prefix)."""
    units: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        current: tuple[str, str] | None = None
        for line in block.splitlines():
            if not line.strip():
                continue
            bullet = BULLET.match(line)
            after_heading = current is not None and HEADING.match(current[1]) is not None
            if bullet or HEADING.match(line) or current is None or after_heading:
                if current is not None:
                    units.append(current)
                current = ("- ", line[bullet.end() :].strip()) if bullet else ("", line.strip())
            else:
                current = (current[0], f"{current[1]} {line.strip()}")
        if current is not None:
            units.append(current)
        units.append(("\n", ""))  # paragraph break
    return units[:-1]


def split_sentences(unit: str) -> list[str]:
    """Split one paragraph or bullet into sentences; citations after a full stop stay with it."""
    sentences: list[str] = []
    for piece in SENTENCE_END.split(unit.strip()):
        leading = LEADING_CITATIONS.match(piece)
        if leading and sentences:
            sentences[-1] = f"{sentences[-1]} {leading.group().strip()}"
            piece = piece[leading.end() :].strip()
        if piece.strip():
            sentences.append(piece.strip())
    return sentences


def _certainty_problem(sentence: str, cited: Iterable[str], causes: Mapping[str, CauseFacts]) -> str | None:
    statuses, confirming, hedges, explanation = certainty_rules()
    doubtful = [ident for ident in cited if ident in causes and causes[ident].status in statuses]
    if not doubtful:
        return None
    words = CITATION.sub(" ", sentence)
    match = confirming.search(words)
    if match is None or hedges.search(words):
        return None
    ident = doubtful[0]
    return explanation.format(
        cause=ident, status=causes[ident].status_label.lower(), phrase=f"“{match.group()}”"
    )


def check_draft(
    answer: str,
    *,
    known: Iterable[str],
    causes: Mapping[str, CauseFacts],
    people: Iterable[str] = (),
) -> CheckedDraft:
    """Keep the sentences that cite only known items and state causes no more surely than the record."""
    known_ids = {ident.upper() for ident in known}
    kept_units: list[str] = []
    cited: list[str] = []
    removed: list[Removal] = []
    for prefix, unit in _units(answer):
        if prefix == "\n":
            kept_units.append("")
            continue
        kept: list[str] = []
        for sentence in split_sentences(unit):
            ids = citation_ids(sentence)
            unknown = [ident for ident in ids if ident not in known_ids]
            if not ids:
                removed.append(
                    Removal(sentence, "No citation: every sentence must name the entries it comes from.")
                )
                continue
            if unknown:
                names = ", ".join(unknown)
                removed.append(Removal(sentence, f"Cites {names}, which is not in this incident's record."))
                continue
            problem = _certainty_problem(sentence, ids, causes)
            if problem:
                removed.append(Removal(sentence, problem))
                continue
            kept.append(normalise_citations(sentence))
            cited.extend(ident for ident in ids if ident not in cited)
        if kept:
            kept_units.append(prefix + " ".join(kept))
    text = _join(kept_units)
    flags = [
        {"rule": flag.rule, "text": flag.text, "explanation": flag.explanation, "suggestion": flag.suggestion}
        for flag in blame_flags(text, people=people)
    ]
    return CheckedDraft(text=text, cited=cited, removed=removed, flags=flags)


def _join(units: list[str]) -> str:
    """Lay the kept units out again: bullets one per line, paragraphs apart."""
    lines: list[str] = []
    for unit in units:
        if unit == "":
            if lines and lines[-1] != "":
                lines.append("")
            continue
        if lines and lines[-1] != "" and not (unit.startswith("- ") and lines[-1].startswith("- ")):
            lines.append("")
        lines.append(unit)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def linked_markdown(text: str, citations: Mapping[str, Mapping[str, Any]]) -> str:
    """Turn each `[E12]` into a Markdown link to the entry it cites (unknown ids stay as text)."""

    def link(match: re.Match[str]) -> str:
        parts = []
        for raw in CITATION_ID.findall(match.group(1)):
            ident = raw.upper()
            url = (citations.get(ident) or {}).get("url")
            parts.append(f"[\\[{ident}\\]]({url})" if url else f"\\[{ident}\\]")
        return "".join(parts)

    return CITATION.sub(link, text)
