"""/api/v1/: every app registers its own viewsets through its api/routes.py `register(router)`.

The order of the apps is the order of the routes, and so of the operations in docs/openapi.yaml.
"""

from rest_framework.routers import DefaultRouter

from alerting.api import routes as alerting_routes
from drills.api import routes as drills_routes
from incidents.api import routes as incidents_routes
from notifications.api import routes as notifications_routes
from oncall.api import routes as oncall_routes
from orgs.api import routes as orgs_routes
from retros.api import routes as retros_routes
from services.api import routes as services_routes
from statuspage.api import routes as statuspage_routes
from ticketing.api import routes as ticketing_routes
from workflows.api import routes as workflows_routes

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # JSON only: no `.json` twins of every route
for app_routes in (
    orgs_routes,
    services_routes,
    incidents_routes,
    alerting_routes,
    oncall_routes,
    notifications_routes,
    ticketing_routes,
    retros_routes,
    statuspage_routes,
    workflows_routes,
    drills_routes,
):
    app_routes.register(router)

urlpatterns = router.urls
