from django.urls import path

from services import views

app_name = "services"

urlpatterns = [
    path("", views.service_list, name="service-list"),
    path("new/", views.service_create, name="service-create"),
    path("hygiene/", views.service_hygiene, name="service-hygiene"),
    path("import/", views.service_import, name="service-import"),
    path("export/", views.service_export, name="service-export"),
    path("<str:slug>/", views.service_detail, name="service-detail"),
    path("<str:slug>/edit/", views.service_update, name="service-update"),
    path("<str:slug>/health/", views.service_health, name="service-health"),
    path("<str:slug>/archive/", views.service_archive, name="service-archive"),
    path("<str:slug>/unarchive/", views.service_unarchive, name="service-unarchive"),
]
