from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Metrics, recurrence, the public status page (with its scheduled maintenance) and feeds."""

    name = "incidents.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from incidents.events import EVENT_HOOKS
        from incidents.insights.repeats import on_incident_event  # registers its job handler too
        from incidents.panels import register_nav, register_panel

        if on_incident_event not in EVENT_HOOKS:
            EVENT_HOOKS.append(on_incident_event)
        register_panel("incident_head", "insights/_fixes_not_held.html", order=200)

        register_nav("Insights", "insights", key="insights", order=10)
        register_nav("Status page", "status-page", key="status-page", order=20)
        register_panel("incident_side", "insights/_related.html", order=20)
        register_panel("incident_side", "insights/_similar_slot.html", order=25)
        register_panel("declare_form", "insights/_similar_draft_slot.html")
        register_panel("action_items", "insights/_fix_outcomes_prefetch.html")
        register_panel("action_item", "insights/_fix_outcome.html")
        register_panel("action_form", "insights/_action_hints_slot.html")
        register_panel("profile", "insights/_profile_calendar_link.html", order=20)
