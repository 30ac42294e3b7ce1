"""API of webhook endpoints and deliveries (filled in by the outbound webhooks work)."""

from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    """Register the viewsets on the router."""
