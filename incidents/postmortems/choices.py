"""The postmortem's vocabularies (PRODUCT.md): the values are the contract."""

from django.db import models


class PostmortemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


class SectionSource(models.TextChoices):
    GENERATED = "generated", "Generated from the record"
    AUTHORED = "authored", "Written by people"


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class RevisionKind(models.TextChoices):
    GENERATION = "generation", "Generation"
    SAVE = "save", "Save"
    REFRESH = "refresh", "Refresh from the record"
    IMPORT = "import", "Import"


# Sections that must say something before the postmortem can go to review.
REQUIRED_SECTIONS = ("summary", "impact", "causes", "action_items")

# Authored sections that start from the incident's own field while nobody has edited them.
SEEDED_FROM_INCIDENT = {"summary": "summary", "impact": "impact"}

# The default template (PRODUCT.md, in order): key, title, source, prompt for writers.
DEFAULT_SECTIONS: list[tuple[str, str, str, str]] = [
    ("header", "Overview", "generated", ""),
    (
        "summary",
        "Summary",
        "authored",
        "In three or four sentences: what happened, who was affected, how it was fixed. "
        "Write for someone who was not there.",
    ),
    (
        "impact",
        "Impact",
        "authored",
        "Who and what was affected, for how long, and how badly: users, requests, revenue, data, "
        "support tickets. Give numbers where you have them.",
    ),
    ("timeline", "Timeline", "generated", ""),
    ("causes", "Causes", "generated", ""),
    ("detection", "Detection", "generated", ""),
    ("response", "Response", "generated", ""),
    (
        "went_well",
        "What went well",
        "authored",
        "What helped: alerts that fired, runbooks that worked, people and tools that made the "
        "response faster. These are worth keeping.",
    ),
    (
        "went_wrong",
        "What went wrong",
        "authored",
        "What slowed detection, diagnosis or recovery? Describe systems and processes, never blame a person.",
    ),
    (
        "got_lucky",
        "Where we got lucky",
        "authored",
        "What could have made this much worse but did not: timing, traffic, someone happening to be "
        "online. Luck is not a plan.",
    ),
    ("action_items", "Action items", "generated", ""),
    (
        "lessons",
        "Lessons learned",
        "authored",
        "What will the team do differently? What should other teams know?",
    ),
    ("appendix", "Appendix: full timeline", "generated", ""),
]

# Keys whose bodies Hindsight knows how to build from the record.
GENERATED_KEYS = frozenset(key for key, _, source, _ in DEFAULT_SECTIONS if source == "generated")
