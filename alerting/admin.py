from django.contrib import admin

from alerting.models import Alert, AlertGroup, Integration


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "kind", "service", "enabled", "last_event_at"]
    readonly_fields = ["key_prefix", "key_hash"]


@admin.register(AlertGroup)
class AlertGroupAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "service", "status", "severity", "alert_count", "last_seen"]
    list_filter = ["status", "severity"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["summary", "organization", "action", "severity", "received_at"]
