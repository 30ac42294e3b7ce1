"""The drills app's API registrations: scenarios and runs."""

from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    from drills.api import views

    views.register(router)
