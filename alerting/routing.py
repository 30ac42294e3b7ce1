from django.urls import path

from alerting import consumers

websocket_urlpatterns = [
    path("ws/o/<slug:org_slug>/alerts/", consumers.AlertQueueConsumer.as_asgi()),
]
