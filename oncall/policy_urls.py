"""Policy pages and manual paging, included in oncall/urls.py (namespace "oncall")."""

from django.urls import path

from oncall import policy_views as views

urlpatterns = [
    path("policies/", views.policy_list, name="policy-list"),
    path("policies/new/", views.policy_create, name="policy-create"),
    path("policies/<slug:slug>/", views.policy_detail, name="policy-detail"),
    path("policies/<slug:slug>/edit/", views.policy_update, name="policy-update"),
    path("policies/<slug:slug>/delete/", views.policy_delete, name="policy-delete"),
    path("incidents/<int:number>/page/", views.incident_page, name="incident-page"),
]
