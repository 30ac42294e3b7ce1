from django.contrib import admin

from notifications.models import ContactMethod, Notification, NotificationRule


@admin.register(ContactMethod)
class ContactMethodAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "kind", "address", "verified_at"]
    list_filter = ["kind"]
    exclude = ["secret", "verification_code_hash"]


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "contact_method", "delay_minutes"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "organization", "user", "channel", "status", "attempts", "due_at"]
    list_filter = ["status", "channel", "reason"]
    readonly_fields = ["task_token", "idempotency_key"]
    exclude = ["secret_content"]  # a verification's code or link: for its recipient only
