from django.contrib import admin

from services.models import Service, ServiceDependency, ServiceLabel, ServiceLink


class LinkInline(admin.TabularInline):
    model = ServiceLink
    extra = 0
    exclude = ["organization"]


class LabelInline(admin.TabularInline):
    model = ServiceLabel
    extra = 0
    exclude = ["organization"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "tier", "lifecycle", "owner_team", "health", "archived_at"]
    list_filter = ["tier", "lifecycle", "health"]
    search_fields = ["name", "slug"]
    inlines = [LinkInline, LabelInline]


@admin.register(ServiceDependency)
class ServiceDependencyAdmin(admin.ModelAdmin):
    list_display = ["service", "depends_on", "organization"]
