from django.apps import AppConfig


class AlertingConfig(AppConfig):
    name = "alerting"
    verbose_name = "Alerting"

    def ready(self) -> None:
        from alerting import home, paging, panels, subscribers

        home.register()
        panels.register()
        paging.register()
        subscribers.register()
