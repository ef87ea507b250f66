from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "incidents.reminders"
    label = "reminders"
    verbose_name = "Reminders and notifications"

    def ready(self) -> None:
        from incidents.reminders import handlers, tasks  # noqa: F401 — registers the job handler and task
