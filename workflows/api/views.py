"""API of workflows and workflow runs (filled in by the pages/API work)."""

from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    """Register the viewsets on the router."""
