from django.urls import NoReverseMatch, reverse


def incident_path(reference: str) -> str:
    """Return the incident page of a reference, or "" when the incident pages are not mounted."""
    try:
        return reverse("incident-detail", args=[reference])
    except NoReverseMatch:
        return ""
