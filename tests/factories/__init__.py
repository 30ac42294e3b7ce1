"""factory_boy factories, one per model, one module per app; import them from here (`from tests.factories import
IncidentFactory`). Child factories take their organization from their parent; numbered rows (incidents, follow-ups)
take their numbers from the org's real counter, and secrets (API tokens, integration keys) are made and hashed as
the real actions make them, the raw value kept on the object (`token.raw`, `integration.raw_key`).
Times default to `timezone.now()` looked up at build time, so a test that freezes or patches the clock is obeyed."""

from tests.factories.alerting import AlertFactory, AlertGroupFactory, IntegrationFactory
from tests.factories.incidents import (
    IncidentFactory,
    IncidentRoleFactory,
    IncidentServiceFactory,
    IncidentTaskFactory,
    IncidentTypeFactory,
    RoleAssignmentFactory,
    SeverityFactory,
    StatusUpdateFactory,
    TimedIncidentFactory,
    TimelineEventFactory,
)
from tests.factories.notifications import ContactMethodFactory, NotificationFactory, NotificationRuleFactory
from tests.factories.oncall import (
    EscalationFactory,
    EscalationPolicyFactory,
    EscalationStepFactory,
    EscalationStepTargetFactory,
    OncallProfileFactory,
    ScheduleFactory,
    ScheduleLayerFactory,
    ScheduleLayerMemberFactory,
    ScheduleOverrideFactory,
)
from tests.factories.orgs import (
    ApiTokenFactory,
    AuditEventFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    OrgCounterFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
    api_token_for,
)
from tests.factories.retros import (
    ContributingFactorFactory,
    RetroFactorFactory,
    RetroReviewerFactory,
    RetroSectionFactory,
    RetroSettingsFactory,
    RetrospectiveFactory,
    RetroTemplateFactory,
)
from tests.factories.services import (
    ServiceDependencyFactory,
    ServiceFactory,
    ServiceImpactFactory,
    ServiceLabelFactory,
    ServiceLinkFactory,
    ServiceRespondingTeamFactory,
)
from tests.factories.ticketing import FollowUpFactory

__all__ = [
    "AlertFactory",
    "AlertGroupFactory",
    "ApiTokenFactory",
    "AuditEventFactory",
    "ContactMethodFactory",
    "ContributingFactorFactory",
    "EscalationFactory",
    "EscalationPolicyFactory",
    "EscalationStepFactory",
    "EscalationStepTargetFactory",
    "FollowUpFactory",
    "IncidentFactory",
    "IncidentRoleFactory",
    "IncidentServiceFactory",
    "IncidentTaskFactory",
    "IncidentTypeFactory",
    "IntegrationFactory",
    "InvitationFactory",
    "MembershipFactory",
    "NotificationFactory",
    "NotificationRuleFactory",
    "OncallProfileFactory",
    "OrgCounterFactory",
    "OrganizationFactory",
    "RetroFactorFactory",
    "RetroReviewerFactory",
    "RetroSectionFactory",
    "RetroSettingsFactory",
    "RetroTemplateFactory",
    "RetrospectiveFactory",
    "RoleAssignmentFactory",
    "ScheduleFactory",
    "ScheduleLayerFactory",
    "ScheduleLayerMemberFactory",
    "ScheduleOverrideFactory",
    "ServiceDependencyFactory",
    "ServiceFactory",
    "ServiceImpactFactory",
    "ServiceLabelFactory",
    "ServiceLinkFactory",
    "ServiceRespondingTeamFactory",
    "SeverityFactory",
    "StatusUpdateFactory",
    "TeamFactory",
    "TeamMembershipFactory",
    "TimedIncidentFactory",
    "TimelineEventFactory",
    "UserFactory",
    "api_token_for",
]
