"""Websocket routes of every app, under /ws/o/<org-slug>/... (apps add theirs here)."""

websocket_urlpatterns: list = []
