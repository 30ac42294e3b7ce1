from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "Service catalog"

    def ready(self) -> None:
        from services import panels, subscribers

        panels.register()
        subscribers.register()
