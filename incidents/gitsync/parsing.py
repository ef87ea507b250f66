"""Read a postmortem's Markdown export back into section bodies.

The export (incidents.postmortems.exports.export_markdown) writes a `# title` line, a status line,
then one `## <section title>` heading per section. A `## ` line starts a section only when it names
a section of this postmortem not yet seen, outside a fenced code block: a writer's own `## Details`
inside a section stays part of that section.
"""

from __future__ import annotations

from incidents.postmortems.exports import EMPTY_SECTION


class MalformedMarkdown(ValueError):
    """The document does not have the export's structure: nothing is applied."""


def _fence(line: str) -> str | None:
    stripped = line.lstrip()
    for marker in ("```", "~~~"):
        if stripped.startswith(marker):
            return marker
    return None


def parse_sections(text: str, titles: dict[str, str]) -> dict[str, str]:
    """Return {section key: body} for every section of `titles` ({key: title}), in any order.

    Raises MalformedMarkdown when the first line is not a `# ` title or a section is missing."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or not lines[0].startswith("# "):
        raise MalformedMarkdown("The document must start with the postmortem's `# ` title line.")
    by_title = {title.strip(): key for key, title in titles.items()}
    bodies: dict[str, list[str]] = {}
    current: list[str] | None = None
    fence: str | None = None
    for line in lines[1:]:
        marker = _fence(line)
        if fence is None and line.startswith("## "):
            key = by_title.get(line[3:].strip())
            if key is not None and key not in bodies:
                current = bodies[key] = []
                continue
        if marker is not None:
            fence = None if fence == marker else (fence or marker)
        if current is not None:
            current.append(line)
    missing = [titles[key] for key in titles if key not in bodies]
    if missing:
        raise MalformedMarkdown(
            "Sections missing (each needs its `## Title` heading): " + ", ".join(missing) + "."
        )
    result = {}
    for key, body_lines in bodies.items():
        body = "\n".join(body_lines).strip()
        result[key] = "" if body == EMPTY_SECTION else body
    return result
