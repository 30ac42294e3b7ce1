"""The workflows app's API registrations: workflows and their runs, webhook endpoints and deliveries."""

from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    from workflows.api import views
    from workflows.webhooks import api as webhook_api

    views.register(router)
    webhook_api.register(router)
