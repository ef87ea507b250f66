from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "incidents.taxonomy"
    label = "taxonomy"
    verbose_name = "Incident types"

    def ready(self) -> None:
        from django.apps import apps

        from incidents.extensions import INCIDENT_EXTENSIONS
        from incidents.panels import register_panel
        from incidents.taxonomy.extension import TYPE_EXTENSION

        if TYPE_EXTENSION not in INCIDENT_EXTENSIONS:
            INCIDENT_EXTENSIONS.append(TYPE_EXTENSION)
        register_panel("incident_side", "taxonomy/_incident_card.html", order=5)

        from incidents.filters import register_incident_filter
        from incidents.taxonomy.filters import type_filter

        register_incident_filter("type", type_filter())
        register_panel("incident_filters", "taxonomy/_list_filter.html", order=10)

        from incidents.audit import MODELS
        from incidents.taxonomy.models import IncidentClassification

        if all(model is not IncidentClassification for _, model in MODELS):
            # The History tab shows who set the type and the values, and when.
            MODELS.append(("incident type", IncidentClassification))
        register_panel("profile", "taxonomy/_profile_link.html", order=50)

        from incidents.demo import DEMO_STEPS
        from incidents.taxonomy.demo import add_incident_types

        if add_incident_types not in DEMO_STEPS:
            DEMO_STEPS.append(add_incident_types)

        if apps.is_installed("incidents.postmortems"):
            # A type's template replaces the default one for its incidents' postmortems.
            from incidents.postmortems.hooks import TEMPLATE_PROVIDERS
            from incidents.taxonomy.selectors import postmortem_template

            if postmortem_template not in TEMPLATE_PROVIDERS:
                TEMPLATE_PROVIDERS.append(postmortem_template)
