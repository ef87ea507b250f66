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
        from incidents.panels import register_panel

        register_panel("dashboard", "postmortems/_dashboard_due.html")
        register_panel("incident_tabs", "postmortems/_incident_tab.html")
        register_panel("incident_side", "postmortems/_incident_panel.html", order=10)

        from incidents.demo import DEMO_STEPS
        from incidents.postmortems.demo import publish_failover_postmortem

        if publish_failover_postmortem not in DEMO_STEPS:
            DEMO_STEPS.append(publish_failover_postmortem)

        from incidents.postmortems.selectors import search_source
        from incidents.search_index import register_source

        register_source(search_source())  # searched, and indexed from every save and delete
