"""The vocabularies of PRODUCT.md. The values are the contract; labels are for people."""

from django.db import models


class Severity(models.TextChoices):
    SEV1 = "SEV1", "SEV1 · critical"
    SEV2 = "SEV2", "SEV2 · major"
    SEV3 = "SEV3", "SEV3 · minor"
    SEV4 = "SEV4", "SEV4 · low"


SEVERITY_DESCRIPTIONS = {
    Severity.SEV1: "Customer-facing outage for all or most users, data loss, security breach.",
    Severity.SEV2: "Outage for a subset of users, or a critical function broken.",
    Severity.SEV3: "Degraded service; a workaround exists.",
    Severity.SEV4: "No customer impact.",
}


class Status(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class ServiceState(models.TextChoices):
    """What the public status page says about a service, from best to worst."""

    OPERATIONAL = "operational", "Operational"
    MINOR = "minor", "Minor issue"
    DEGRADED = "degraded", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"


ACTIVE_STATUSES = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)

# The lifecycle timestamps, in the order they must keep.
LIFECYCLE_FIELDS = ("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at")


class CauseCategory(models.TextChoices):
    CAPACITY = "capacity", "Capacity"
    SOFTWARE = "software", "Software"
    CHANGE = "change", "Change"
    DEPENDENCY = "dependency", "Dependency"
    NETWORK = "network", "Network"
    HARDWARE = "hardware", "Hardware"
    DATA = "data", "Data"
    SECURITY = "security", "Security"
    PROCESS = "process", "Process"
    UNKNOWN = "unknown", "Unknown"


class CauseRole(models.TextChoices):
    TRIGGER = "trigger", "Trigger"
    ROOT_CAUSE = "root_cause", "Root cause"
    CONTRIBUTING = "contributing", "Contributing factor"


class CauseStatus(models.TextChoices):
    SUSPECTED = "suspected", "Suspected"
    CONFIRMED = "confirmed", "Confirmed"
    RULED_OUT = "ruled_out", "Ruled out"


class ActionKind(models.TextChoices):
    INVESTIGATE = "investigate", "Investigate"
    MITIGATE = "mitigate", "Mitigate"
    REPAIR = "repair", "Repair"
    DETECT = "detect", "Detect"
    PREVENT = "prevent", "Prevent"
    PROCESS = "process", "Process"


class ActionPriority(models.TextChoices):
    P1 = "P1", "P1"
    P2 = "P2", "P2"
    P3 = "P3", "P3"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class Audience(models.TextChoices):
    INTERNAL = "internal", "Internal"
    PUBLIC = "public", "Public"


class Role(models.TextChoices):
    """Roles are Django groups with exactly these names."""

    VIEWER = "viewer", "Viewer"
    RESPONDER = "responder", "Responder"
    ADMIN = "admin", "Admin"
