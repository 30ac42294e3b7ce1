"""The project's URLconf plus the public calendar feeds at /calendar/, for tests that run before config/urls.py
includes oncall.feed_urls (and keep working after: the include is added only when it is missing)."""

from django.urls import include, path

from config.urls import handler404  # noqa: F401 - handler404 is re-exported
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
if not any(getattr(p, "namespace", None) == "oncall_feeds" for p in urlpatterns):
    urlpatterns.append(path("calendar/", include("oncall.feed_urls")))
