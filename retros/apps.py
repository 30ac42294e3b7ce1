from django.apps import AppConfig


class RetrosConfig(AppConfig):
    name = "retros"
    verbose_name = "Retrospectives"

    def ready(self) -> None:
        from retros import subscribers

        subscribers.register()
