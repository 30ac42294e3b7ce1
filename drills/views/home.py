"""The drills home: runs (upcoming, running, finished) and scores over time."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def drills_home(request: HttpRequest, org_slug: str) -> HttpResponse:
    return render(request, "drills/home.html", {})
