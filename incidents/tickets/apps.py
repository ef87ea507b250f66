from django.apps import AppConfig


class TicketsConfig(AppConfig):
    """Action items as tickets in GitHub, GitLab or Jira Cloud, with their state synced back."""

    name = "incidents.tickets"
    label = "tickets"
    verbose_name = "Ticket sync"

    def ready(self) -> None:
        from incidents.panels import register_panel
        from incidents.tickets import handlers  # noqa: F401 — registers the outbox job handler

        register_panel("action_items", "tickets/_prefetch.html")
        register_panel("action_item", "tickets/_action_ticket.html", order=50)
