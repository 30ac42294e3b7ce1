from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "Organizations"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from orgs.actions.users import user_login_failed_receive

        # Every refused sign-in, wherever authenticate() ran, counts towards the locks and is audited.
        user_login_failed.connect(user_login_failed_receive, dispatch_uid="orgs.user_login_failed")
