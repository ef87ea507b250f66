from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "incidents.postmortems"
    label = "postmortems"
    verbose_name = "Postmortems"

    def ready(self) -> None:
        from incidents.postmortems import jobs  # noqa: F401 — registers postmortems.generate
        from incidents.postmortems.services import close_check
        from incidents.services.incidents import CLOSE_CHECKS

        if close_check not in CLOSE_CHECKS:
            CLOSE_CHECKS.append(close_check)

        from incidents.postmortems.selectors import search_source
        from incidents.search import SOURCES

        if all(source.type != "postmortem_section" for source in SOURCES):
            SOURCES.append(search_source())
