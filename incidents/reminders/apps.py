from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "incidents.reminders"
    label = "reminders"
    verbose_name = "Reminders and notifications"

    def ready(self) -> None:
        from incidents.panels import register_panel
        from incidents.reminders import handlers, tasks  # noqa: F401 — registers the job handler and task

        register_panel("usernav", "reminders/_bell.html")
        register_panel("profile", "reminders/_profile_link.html", order=10)
