"""/api/v1/: every app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from alerting.api import views as alerting_api
from incidents.api import views as incidents_api
from notifications.api import routes as notifications_routes
from oncall.api import routes as oncall_routes
from orgs.api import views as orgs_api
from retros.api import routes as retros_routes
from services.api import views as services_api
from ticketing.api import routes as ticketing_routes

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # JSON only: no `.json` twins of every route
router.register("teams", orgs_api.TeamViewSet, basename="team")
router.register("members", orgs_api.MemberViewSet, basename="member")
router.register("invitations", orgs_api.InvitationViewSet, basename="invitation")
router.register("api-tokens", orgs_api.ApiTokenViewSet, basename="api-token")
router.register("audit-events", orgs_api.AuditEventViewSet, basename="audit-event")
router.register("services", services_api.ServiceViewSet, basename="service")
router.register("incidents", incidents_api.IncidentViewSet, basename="incident")
router.register("severities", incidents_api.SeverityViewSet, basename="severity")
router.register("incident-roles", incidents_api.IncidentRoleViewSet, basename="incident-role")
router.register("incident-types", incidents_api.IncidentTypeViewSet, basename="incident-type")
router.register("integrations", alerting_api.IntegrationViewSet, basename="integration")
router.register("alert-groups", alerting_api.AlertGroupViewSet, basename="alert-group")
router.register("alerts", alerting_api.AlertViewSet, basename="alert")

# Newer apps register their own routes (so parallel work on them does not edit this file).
for app_routes in (oncall_routes, notifications_routes, ticketing_routes, retros_routes):
    app_routes.register(router)

urlpatterns = router.urls
