from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "incidents.sso"
    label = "sso"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        from incidents.sso import checks  # noqa: F401 — registers the configuration checks
