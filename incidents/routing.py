from django.urls import path

from incidents import consumers

websocket_urlpatterns = [
    path("ws/o/<slug:org_slug>/incidents/", consumers.IncidentListConsumer.as_asgi()),
    path("ws/o/<slug:org_slug>/incidents/<int:number>/", consumers.IncidentTimelineConsumer.as_asgi()),
]
