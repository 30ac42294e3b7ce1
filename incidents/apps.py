from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from incidents import home, panels, subscribers

        home.register()
        panels.register()
        subscribers.register()
