from django.apps import AppConfig


class StatuspageConfig(AppConfig):
    name = "statuspage"
    verbose_name = "Status pages"

    def ready(self) -> None:
        from statuspage import stakeholders, subscribers, subscribing

        subscribers.register()
        stakeholders.register()
        subscribing.register()
