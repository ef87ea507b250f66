from django.contrib import admin

from incidents.postmortems.models import Postmortem, Review, Revision, Section, SectionTemplate


@admin.register(SectionTemplate)
class SectionTemplateAdmin(admin.ModelAdmin):
    """The postmortem template: sections, order, titles and the prompts writers see."""

    list_display = ["position", "key", "title", "source", "enabled"]
    list_display_links = ["key"]
    list_editable = ["position", "title", "enabled"]
    list_filter = ["source", "enabled"]
    ordering = ["position", "id"]


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = ["key", "title", "position", "source", "edited", "stale", "body"]
    readonly_fields = ["key", "source", "edited", "stale"]


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 0
    readonly_fields = ["reviewer", "decision", "comment", "revision_number", "created_at"]


@admin.register(Postmortem)
class PostmortemAdmin(admin.ModelAdmin):
    list_display = ["incident", "status", "due_date", "published_at", "public", "revision_number"]
    list_filter = ["status", "public"]
    search_fields = ["incident__reference", "incident__title"]
    raw_id_fields = ["incident"]
    filter_horizontal = ["reviewers"]
    readonly_fields = ["revision_number", "last_generated_at", "submitted_at"]
    inlines = [SectionInline, ReviewInline]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["postmortem", "number", "kind", "author", "created_at", "reason"]
    list_filter = ["kind"]
    raw_id_fields = ["postmortem", "author"]
    readonly_fields = ["snapshot"]
