"""The messages sent to the model: the rules, then the numbered record, then the section asked for."""

from __future__ import annotations

from incidents.drafting.choices import DRAFTABLE_SECTIONS
from incidents.drafting.record import DraftRecord

SYSTEM = """You draft one section of a blameless incident postmortem from the incident's record.

Rules:
- Use only facts in the record below. If the record does not say something, do not say it.
- End every sentence with the ids of the record items it comes from, in square brackets: [E3] or [C1][E7].
  Cite only ids that appear in the record. A sentence without a citation will be deleted.
- A cause with status SUSPECTED has not been confirmed: write it as suspected ("is suspected", "may have").
  A cause with status RULED_OUT was ruled out: say so, never present it as a cause. Only CONFIRMED causes
  may be stated as causes.
- Describe systems, processes and conditions, never a person's fault. Do not name people.
- Write plain Markdown paragraphs or a bullet list. No headings, no preamble, no closing remarks."""

GROUPS = (
    ("I", "The incident"),
    ("E", "Timeline entries (in order)"),
    ("C", "Causes"),
    ("A", "Action items"),
    ("U", "Status updates"),
)


def record_text(record: DraftRecord) -> str:
    lines: list[str] = []
    for prefix, heading in GROUPS:
        items = record.of_kind(prefix)
        lines.append(f"## {heading}")
        lines.extend(f"[{item.id}] {item.line}" for item in items)
        if not items:
            lines.append("(none)")
        if prefix == "E" and record.left_out:
            lines.append(f"({record.left_out} further entries are not shown.)")
        lines.append("")
    return "\n".join(lines).strip()


def build_messages(record: DraftRecord, *, section_key: str, section_title: str) -> list[dict[str, str]]:
    task = DRAFTABLE_SECTIONS[section_key]
    user = (
        f"Record of incident {record.incident.reference}:\n\n{record_text(record)}\n\n"
        f"Write the section “{section_title}”: {task}. Cite the record after every sentence."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
