"""Subscriber pages, included first in the public status-page routes under /status/<org_slug>/ (before the
routes of other pages by slug: "subscribe", "subscription" and "unsubscribe" are not page slugs).

The token routes name the subscriber by the secret in its links; they take no cookie (no CSRF token, no session):
the secret is the proof, and RFC 8058's one-click POST comes from a mail provider with no cookie at all.
"""

from django.urls import path

from statuspage.subscribing import views

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.subscribe_confirm, name="subscribe-confirm"),
    path("subscription/<str:token>/", views.subscription_manage, name="subscription-manage"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<slug:page_slug>/subscribe/", views.subscribe, name="subscribe-page"),
]
