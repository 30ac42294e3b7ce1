from django.urls import path

from retros import views

app_name = "retros"

# A retrospective is addressed by its incident's number: /retros/42/ is the retrospective of INC-42.
urlpatterns = [
    path("", views.retrospective_list, name="retrospective-list"),
    path("settings/", views.retro_settings, name="retro-settings"),
    path("settings/templates/new/", views.retro_template_create, name="retro-template-create"),
    path("settings/templates/<slug:slug>/edit/", views.retro_template_update, name="retro-template-update"),
    path("settings/templates/<slug:slug>/delete/", views.retro_template_delete, name="retro-template-delete"),
    path("settings/factors/new/", views.contributing_factor_create, name="contributing-factor-create"),
    path(
        "settings/factors/<slug:slug>/edit/",
        views.contributing_factor_update,
        name="contributing-factor-update",
    ),
    path(
        "settings/factors/<slug:slug>/delete/",
        views.contributing_factor_delete,
        name="contributing-factor-delete",
    ),
    path("<int:number>/", views.retrospective_detail, name="retrospective-detail"),
    path("<int:number>/create/", views.retrospective_create, name="retrospective-create"),
    path("<int:number>/print/", views.retrospective_print, name="retrospective-print"),
    path("<int:number>/edit/", views.retrospective_edit, name="retrospective-edit"),
    path("<int:number>/transition/", views.retrospective_transition, name="retrospective-transition"),
    path("<int:number>/milestones/", views.retrospective_milestones, name="retrospective-milestones"),
    path("<int:number>/action-items/", views.retrospective_action_item_add, name="retrospective-action-item-add"),
]
