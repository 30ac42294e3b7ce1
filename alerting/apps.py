from django.apps import AppConfig


class AlertingConfig(AppConfig):
    name = "alerting"
    verbose_name = "Alerting"

    def ready(self) -> None:
        from alerting import home, subscribers

        home.register()
        subscribers.register()
