from django.urls import path

from orgs import home_views, token_views, views

app_name = "orgs"

urlpatterns = [
    path("", home_views.dashboard, name="dashboard"),
    path("settings/", home_views.organization_settings, name="organization-settings"),
    path("members/", views.member_list, name="member-list"),
    path("members/invite/", views.invitation_create, name="invitation-create"),
    path("members/<uuid:uuid>/role/", views.member_role_change, name="member-role-change"),
    path("members/<uuid:uuid>/remove/", views.member_remove, name="member-remove"),
    path("invitations/<uuid:uuid>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/new/", views.team_create, name="team-create"),
    path("teams/<slug:slug>/", views.team_detail, name="team-detail"),
    path("teams/<slug:slug>/edit/", views.team_update, name="team-update"),
    path("teams/<slug:slug>/delete/", views.team_delete, name="team-delete"),
    path("teams/<slug:slug>/members/add/", views.team_member_add, name="team-member-add"),
    path("teams/<slug:slug>/members/<uuid:uuid>/remove/", views.team_member_remove, name="team-member-remove"),
    path("tokens/", token_views.api_token_list, name="api-token-list"),
    path("tokens/new/", token_views.api_token_create, name="api-token-create"),
    path("tokens/<uuid:uuid>/created/", token_views.api_token_created, name="api-token-created"),
    path("tokens/<uuid:uuid>/revoke/", token_views.api_token_revoke, name="api-token-revoke"),
    path("audit/", views.audit_event_list, name="audit-event-list"),
]
