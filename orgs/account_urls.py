from django.urls import include, path

from orgs import profile_views, views

urlpatterns = [
    path("login/", views.AuditedLoginView.as_view(), name="login"),
    path("signup/", views.signup, name="signup"),
    path("profile/", profile_views.profile, name="profile"),
    path("password_reset/", views.ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("password_change/", views.AuditedPasswordChangeView.as_view(), name="password_change"),
    path(
        "reset/<uidb64>/<token>/",
        views.AuditedPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("", include("django.contrib.auth.urls")),
]
