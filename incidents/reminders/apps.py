from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "incidents.reminders"
    label = "reminders"
    verbose_name = "Reminders and notifications"
