"""Policy pages, included in oncall/urls.py (namespace "oncall")."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
