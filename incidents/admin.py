from django.contrib import admin

from incidents.models import Incident, IncidentRole, IncidentType, Severity, TimelineEvent


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "organization", "severity", "status", "is_drill", "declared_at"]
    list_filter = ["status", "is_drill"]
    search_fields = ["title"]


@admin.register(Severity)
class SeverityAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "rank", "is_major"]


@admin.register(IncidentRole)
class IncidentRoleAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "is_commander", "position"]


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "default_severity", "position"]


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ["incident", "kind", "actor_label", "occurred_at"]
    list_filter = ["kind"]
