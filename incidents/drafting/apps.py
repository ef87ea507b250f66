from django.apps import AppConfig


class DraftingConfig(AppConfig):
    """Optional drafting of postmortem sections by an OpenAI-compatible model (needs postmortems)."""

    name = "incidents.drafting"
    label = "drafting"
    verbose_name = "AI drafts of postmortem sections"

    def ready(self) -> None:
        from incidents.drafting import handlers  # noqa: F401 — registers drafting.draft_section
        from incidents.panels import register_panel

        register_panel("postmortem_section", "drafting/_section_drafts.html")
