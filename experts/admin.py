from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from common.publication import PublicNeedsAnEditor
from common.stale_saves import StaleSaveAdmin
from common.storage import RemoveFilesOfFailedSaves
from experts.models import Expert


@admin.register(Expert)
class ExpertAdmin(StaleSaveAdmin, PublicNeedsAnEditor, RemoveFilesOfFailedSaves, admin.ModelAdmin):
    list_display = ["portrait", "name", "title", "program", "quote_count"]
    list_display_links = ["portrait", "name"]
    search_fields = ["name", "title", "program"]
    prepopulated_fields = {"slug": ("name",)}
    fields = ["name", "slug", "title", "program", "bio", "photo", "portrait"]
    readonly_fields = ["portrait"]

    class Media:
        css = {"all": ["briefs/admin.css"]}

    def get_queryset(self, request):
        # Ordered again: a query with an aggregate drops Meta.ordering.
        return super().get_queryset(request).annotate(quote_total=Count("quotes")).order_by("name")

    @admin.display(description="Thumbnail")
    def portrait(self, expert):
        if not expert.photo_thumbnail:
            return "—"
        return format_html(
            '<img class="expert-thumbnail" src="{}" alt="">', expert.photo_thumbnail.url
        )

    @admin.display(description="Quotes", ordering="quote_total")
    def quote_count(self, expert):
        return expert.quote_total
