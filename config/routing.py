"""Websocket routes of every app, under /ws/o/<org-slug>/..."""

from alerting.routing import websocket_urlpatterns as alerting_routes
from incidents.routing import websocket_urlpatterns as incident_routes

websocket_urlpatterns: list = [*incident_routes, *alerting_routes]
