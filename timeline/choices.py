from django.db import models


class EventKind(models.TextChoices):
    NOTE = "note", "Note"
    DETECTION = "detection", "Detection"
    ALERT = "alert", "Alert"
    ACTION = "action", "Action"
    DECISION = "decision", "Decision"
    COMMUNICATION = "communication", "Communication"
    MILESTONE = "milestone", "Milestone"
    STATUS_CHANGE = "status_change", "Status change"
    SEVERITY_CHANGE = "severity_change", "Severity change"
    ROLE_CHANGE = "role_change", "Role change"


# Kinds people write; the others are written by Hindsight itself.
HUMAN_KINDS = (
    EventKind.NOTE,
    EventKind.DETECTION,
    EventKind.ALERT,
    EventKind.ACTION,
    EventKind.DECISION,
    EventKind.COMMUNICATION,
    EventKind.MILESTONE,
)


class EventSource(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    WEBHOOK = "webhook", "Webhook"
    SYSTEM = "system", "System"
    IMPORT = "import", "Import"
