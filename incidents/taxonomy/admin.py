from django.contrib import admin

from incidents.taxonomy.models import CustomField, IncidentType, TemplateSection


class CustomFieldInline(admin.TabularInline):
    model = CustomField
    extra = 0


class TemplateSectionInline(admin.StackedInline):
    model = TemplateSection
    extra = 0


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "active", "position"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CustomFieldInline, TemplateSectionInline]
