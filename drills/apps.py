from django.apps import AppConfig


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = "Drills"

    def ready(self) -> None:
        from drills import panels, subscribers

        subscribers.register()
        panels.register()  # the analytics page's Drills section
