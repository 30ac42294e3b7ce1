"""The signed-in person's own profile: their name and the time zone every page shows times in."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from orgs import actions
from orgs.forms import ProfileForm
from orgs.web import form_save


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"full_name": user.full_name, "time_zone": user.time_zone}
    form = ProfileForm(request.POST or None, initial=initial, current_zone=user.time_zone)
    return form_save(
        request,
        form,
        lambda data: actions.user_profile_update(user=user, **data),
        lambda saved: (
            "Profile saved. Times are shown in "
            + (saved.time_zone.replace("_", " ") if saved.time_zone else "this browser's time zone")
            + "."
        ),
        back=reverse("profile"),
        template="orgs/user_profile.html",
        now_utc=timezone.now(),
    )
