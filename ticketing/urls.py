from django.urls import path

from ticketing import views

app_name = "ticketing"

urlpatterns = [
    path("", views.follow_up_list, name="follow-up-list"),
    path("new/", views.follow_up_create, name="follow-up-create"),
    path("incident/<int:number>/", views.follow_up_add_to_incident, name="follow-up-add-to-incident"),
    path("<int:number>/", views.follow_up_detail, name="follow-up-detail"),
    path("<int:number>/edit/", views.follow_up_update, name="follow-up-update"),
    path("<int:number>/status/", views.follow_up_status, name="follow-up-status"),
    path("<int:number>/delete/", views.follow_up_delete, name="follow-up-delete"),
]
