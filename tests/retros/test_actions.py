"""Retrospective actions: drafting from the incident's data (the acceptance test), the resolve hook and the org's
policy, the status workflow, sections, factors and reviewers, templates, and the owners' reminders."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import actions as incident_actions
from incidents.models import Incident, Severity, TimelineEvent, TimelineKind
from orgs.models import AuditEvent
from orgs.tenancy import Actor
from retros import actions, selectors, tasks
from retros.models import RetroFactor, RetroSection, RetroSettings, Retrospective, RetrospectiveStatus, RetroTemplate
from services import actions as service_actions
from tests.factories import TeamFactory
from tests.retros.conftest import at, commander_role

pytestmark = pytest.mark.django_db


def retrospective_due(now: datetime) -> str:
    return (now + timedelta(hours=12)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def sections(retrospective: Retrospective) -> dict[str, str]:
    return dict(RetroSection.objects.filter(retrospective=retrospective).values_list("key", "body"))


# --- drafting (acceptance) -----------------------------------------------------------------------------


def test_retro_drafted_from_a_seeded_incident_contains_its_key_events_and_durations(scene):
    # Given a worked incident: a role taken, a severity change, a pinned and an unpinned note, three status moves
    actions.retro_settings_update(organization=scene.org, actor=scene.actor(scene.admin), severity_rank_max=0,
                                  include_major=False)  # fmt: skip
    team = TeamFactory(organization=scene.org, name="Payments", slug="payments")
    service = service_actions.service_create(organization=scene.org, actor=Actor.system(), name="Checkout",
                                             owner_team=team)  # fmt: skip
    incident = scene.declare("Checkout failing", "SEV2", services=[service], summary="Checkout returned 500s.")
    rhea = scene.actor()
    incident_actions.incident_update(incident=incident, actor=rhea, severity=Severity.objects.get(
        organization=scene.org, name="SEV1"))  # fmt: skip
    pinned = incident_actions.note_add(
        incident=incident, body="Rolled back payments v2.14\nErrors dropping.", actor=rhea
    )
    incident_actions.timeline_event_pin(event=pinned, pinned=True, actor=rhea)
    incident_actions.note_add(incident=incident, body="Coffee break", actor=rhea)
    for status in ("identified", "monitoring", "resolved"):
        incident_actions.incident_transition(incident=incident, status=status, actor=rhea)
    start = at("2025-03-03T09:00:00")
    for minute, event in enumerate(TimelineEvent.objects.filter(incident=incident).order_by("id")):
        TimelineEvent.objects.filter(pk=event.pk).update(occurred_at=start + timedelta(minutes=minute * 5))
    incident_actions.incident_milestones_update(
        incident=incident, actor=rhea, reason="From the dashboards",
        started_at=start, detected_at=at("2025-03-03T09:04:00"), declared_at=at("2025-03-03T09:05:00"),
        acknowledged_at=at("2025-03-03T09:10:00"), identified_at=at("2025-03-03T09:30:00"),
        mitigated_at=at("2025-03-03T09:45:00"), resolved_at=at("2025-03-03T10:30:00"),
    )  # fmt: skip
    assert Retrospective.objects.filter(incident=incident).exists() is False  # the policy asked for none

    # When a responder opens its retrospective
    retrospective = actions.retrospective_create(incident=incident, actor=rhea)

    # Then the draft holds the key events in order (not the unpinned note), the durations and the owners
    drafted = sections(retrospective)
    assert drafted["timeline"] == (
        "- **2025-03-03 09:00 UTC**: Declared as SEV2: Checkout failing, by Rhea Responder\n"
        "- **2025-03-03 09:05 UTC**: Rhea Responder became Incident Commander, by Rhea Responder\n"
        "- **2025-03-03 09:10 UTC**: Severity SEV2 → SEV1, by Rhea Responder\n"
        "- **2025-03-03 09:15 UTC**: Note: Rolled back payments v2.14 (pinned), by Rhea Responder\n"
        "- **2025-03-03 09:25 UTC**: Status investigating → identified, by Rhea Responder\n"
        "- **2025-03-03 09:30 UTC**: Status identified → monitoring, by Rhea Responder\n"
        "- **2025-03-03 09:35 UTC**: Status monitoring → resolved, by Rhea Responder"
    )
    assert drafted["summary"] == (
        "Checkout returned 500s.\n\n"
        "SEV1 incident. Impact started 2025-03-03 09:00 UTC and was resolved 2025-03-03 10:30 UTC.\n\n"
        "Time to detect: 4m · Time to acknowledge: 10m · Time to mitigate: 45m · Time to resolve: 1h 30m"
    )
    assert drafted["customer_impact"] == (
        "_Describe who was affected and how._\n\nAffected services and their owners:\n\n"
        "- **Checkout**: owned by Payments"
    )
    assert drafted["what_went_well"] == ""
    fresh = Incident.objects.get(pk=incident.pk)
    assert [(d.label, d.seconds) for d in selectors.milestone_durations(incident=fresh)] == [
        ("Time to detect", 240),
        ("Time to acknowledge", 600),
        ("Time to mitigate", 2700),
        ("Time to resolve", 5400),
    ]
    timeline_html = RetroSection.objects.get(retrospective=retrospective, key="timeline").body_html
    assert "<li><strong>2025-03-03 09:00 UTC</strong>: Declared as SEV2: Checkout failing, by Rhea Responder</li>" in (
        timeline_html
    )


def test_draft_sections_follow_the_template_in_order_with_their_prompts(scene):
    retrospective = scene.retro()

    rows = list(RetroSection.objects.filter(retrospective=retrospective).values_list("position", "key", "title"))

    assert rows == [
        (0, "summary", "Summary"),
        (1, "customer_impact", "Customer impact"),
        (2, "timeline", "Timeline"),
        (3, "contributing_factors", "Contributing factors"),
        (4, "what_went_well", "What went well"),
        (5, "what_was_hard", "What was hard"),
        (6, "lessons", "Lessons"),
        (7, "action_items", "Action items"),
    ]
    assert RetroSection.objects.get(retrospective=retrospective, key="lessons").prompt == (
        "What do we know now that we did not know before?"
    )


# --- the resolve hook and the policy ----------------------------------------------------------------------


def test_resolving_a_sev2_opens_one_retrospective_owned_by_the_commander_due_in_five_business_days(scene):
    incident = scene.declare("Checkout failing", "SEV2")

    incident = scene.resolve(incident, scene.owner)

    retrospective = Retrospective.objects.get(incident=incident)
    assert retrospective.status == RetrospectiveStatus.DRAFT
    assert retrospective.owner == scene.responder.user  # the declarer took the commander role
    assert retrospective.due_at == actions.business_days_add(incident.resolved_at, 5)
    assert retrospective.title == "Checkout failing"
    event = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.RETROSPECTIVE)
    assert event.payload == {
        "action": "created",
        "title": "Checkout failing",
        "path": f"/o/acme/retros/{incident.number}/",
        "owner": "Rhea Responder",
        "how": "on resolve",
    }
    assert AuditEvent.objects.filter(organization=scene.org, action="retrospective.created").count() == 1


def test_reopening_and_resolving_again_keeps_the_one_retrospective(scene):
    incident = scene.resolve(scene.declare(sev="SEV1"))

    incident_actions.incident_transition(incident=incident, status="investigating", actor=scene.actor())
    scene.resolve(incident)

    assert Retrospective.objects.filter(incident=incident).count() == 1
    assert TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.RETROSPECTIVE).count() == 1


@pytest.mark.parametrize(
    ("sev", "is_major", "is_drill", "policy", "expected"),
    [
        ("SEV3", False, False, {}, True),
        ("SEV4", False, False, {}, False),
        ("SEV4", True, False, {}, True),  # every major incident, whatever its rank
        ("SEV4", True, False, {"include_major": False}, False),
        ("SEV2", True, True, {}, False),  # drills: none by default
        ("SEV2", True, True, {"include_drills": True}, True),
        ("SEV4", False, False, {"severity_rank_max": 4}, True),
        ("SEV1", True, False, {"severity_rank_max": 0, "include_major": False}, False),
    ],
)
def test_the_org_policy_decides_which_resolved_incidents_get_one(scene, sev, is_major, is_drill, policy, expected):
    Severity.objects.filter(organization=scene.org, name=sev).update(is_major=is_major)
    if policy:
        actions.retro_settings_update(organization=scene.org, actor=scene.actor(scene.admin), **policy)
    incident = scene.declare(sev=sev, is_drill=is_drill)

    scene.resolve(incident)

    assert Retrospective.objects.filter(incident=incident).exists() is expected


def test_closing_straight_from_investigating_also_opens_it_and_declining_does_not(scene):
    closed = scene.declare("Went straight to closed", "SEV2")
    declined = scene.declare("False alarm", "SEV1", status="triage")

    incident_actions.incident_transition(incident=closed, status="closed", actor=scene.actor())
    incident_actions.incident_transition(incident=declined, status="declined", actor=scene.actor())

    assert list(Retrospective.objects.values_list("incident__title", flat=True)) == ["Went straight to closed"]


def test_a_retrospective_by_hand_is_refused_twice_and_for_declined_incidents(scene):
    incident = scene.declare()
    actions.retrospective_create(incident=incident, actor=scene.actor())
    declined = scene.declare("Noise", status="triage")
    incident_actions.incident_transition(incident=declined, status="declined", actor=scene.actor())

    with pytest.raises(ValidationError) as twice:
        actions.retrospective_create(incident=incident, actor=scene.actor())
    with pytest.raises(ValidationError) as noise:
        actions.retrospective_create(incident=declined, actor=scene.actor())

    assert twice.value.message_dict == {"incident": ["INC-1 already has a retrospective."]}
    assert noise.value.message_dict == {"incident": ["INC-2 was declined: it needs no retrospective."]}
    assert Retrospective.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2025-03-07T16:00:00", 1, "2025-03-10T16:00:00"),  # Friday + 1 = Monday
        ("2025-03-06T10:30:00", 5, "2025-03-13T10:30:00"),  # Thursday + 5 = next Thursday
        ("2025-03-08T08:00:00", 5, "2025-03-14T08:00:00"),  # from a Saturday
        ("2025-03-03T09:00:00", 0, "2025-03-03T09:00:00"),
    ],
)
def test_business_days_skip_weekends(start, days, due):
    assert actions.business_days_add(at(start), days) == at(due)


# --- workflow ------------------------------------------------------------------------------------------


def test_workflow_draft_review_published_and_back(scene):
    retrospective = scene.retro()
    rhea = scene.actor()

    actions.retrospective_transition(retrospective=retrospective, status="in_review", actor=rhea)
    published = actions.retrospective_transition(retrospective=retrospective, status="published", actor=rhea)

    assert published.status == "published"
    assert published.published_by == scene.responder.user
    assert published.published_at is not None
    assert list(
        TimelineEvent.objects.filter(kind=TimelineKind.RETROSPECTIVE).order_by("id").values_list("payload__action",
                                                                                                   flat=True)
    ) == ["created", "submitted for review", "published"]  # fmt: skip

    reopened = actions.retrospective_transition(retrospective=retrospective, status="draft", actor=rhea)

    assert (reopened.status, reopened.published_at, reopened.published_by) == ("draft", None, None)


def test_illegal_moves_and_publishing_without_owner_or_summary_are_refused(scene):
    retrospective = scene.retro()
    rhea = scene.actor()
    actions.retrospective_transition(retrospective=retrospective, status="published", actor=rhea)

    with pytest.raises(ValidationError) as illegal:
        actions.retrospective_transition(retrospective=retrospective, status="in_review", actor=rhea)
    actions.retrospective_transition(retrospective=retrospective, status="draft", actor=rhea)
    actions.retrospective_update(retrospective=retrospective, actor=rhea, owner=None)
    with pytest.raises(ValidationError) as no_owner:
        actions.retrospective_transition(retrospective=retrospective, status="published", actor=rhea)
    actions.retrospective_update(retrospective=retrospective, actor=rhea, owner=scene.responder.user)
    actions.retrospective_section_update(retrospective=retrospective, key="summary", body="  ", actor=rhea)
    with pytest.raises(ValidationError) as no_summary:
        actions.retrospective_transition(retrospective=retrospective, status="published", actor=rhea)

    assert illegal.value.message_dict == {"status": ["Cannot move from published to in_review. Allowed next: draft."]}
    assert no_owner.value.message_dict == {"owner": ["Give the retrospective an owner first."]}
    assert no_summary.value.message_dict == {"status": ["Write the summary before publishing."]}
    assert Retrospective.objects.get().status == "draft"


def test_sections_save_sanitized_markdown_and_are_locked_once_published(scene):
    retrospective = scene.retro()
    rhea = scene.actor()

    section = actions.retrospective_section_update(
        retrospective=retrospective, key="lessons", body="**Canaries** <script>alert(1)</script>", actor=rhea
    )
    actions.retrospective_transition(retrospective=retrospective, status="published", actor=rhea)
    with pytest.raises(ValidationError) as locked:
        actions.retrospective_section_update(retrospective=retrospective, key="lessons", body="changed", actor=rhea)
    actions.retrospective_transition(retrospective=retrospective, status="draft", actor=rhea)
    with pytest.raises(ValidationError) as unknown:
        actions.retrospective_section_update(retrospective=retrospective, key="nope", body="x", actor=rhea)

    assert section.body_html == "<p><strong>Canaries</strong> </p>"
    assert locked.value.message_dict == {"body": ["This retrospective is published: reopen it as a draft to edit it."]}
    assert unknown.value.message_dict == {"section": ["This retrospective has no section “nope”."]}
    assert RetroSection.objects.get(retrospective=retrospective, key="lessons").body == (
        "**Canaries** <script>alert(1)</script>"
    )


def test_factors_and_reviewers_are_set_and_other_orgs_ones_refused(scene, other_org, other_member):
    retrospective = scene.retro()
    rhea = scene.actor()
    change = selectors.contributing_factor_get(organization=scene.org, slug="change")
    foreign = actions.contributing_factor_create(organization=other_org, actor=Actor.system(), name="Globex thing")

    actions.retrospective_update(
        retrospective=retrospective, actor=rhea, factors=[change], reviewers=[scene.owner.user, scene.admin.user]
    )
    with pytest.raises(ValidationError) as factor:
        actions.retrospective_update(retrospective=retrospective, actor=rhea, factors=[foreign])
    with pytest.raises(ValidationError) as reviewer:
        actions.retrospective_update(retrospective=retrospective, actor=rhea, reviewers=[other_member.user])

    assert factor.value.message_dict == {"factors": ["Choose contributing factors of this organization."]}
    assert reviewer.value.message_dict == {"reviewers": ["Choose a member of this organization."]}
    assert list(RetroFactor.objects.filter(retrospective=retrospective).values_list("factor__slug", flat=True)) == [
        "change"
    ]
    assert sorted(retrospective.reviewers.values_list("email", flat=True)) == ["ada@acme.test", "owner@acme.test"]
    assert AuditEvent.objects.get(action="retrospective.updated").changes == {
        "factors": ["change"],
        "reviewers": ["ada@acme.test", "owner@acme.test"],
    }


def test_viewers_cannot_own_or_review_and_published_retros_are_locked(scene):
    retrospective = scene.retro()
    rhea = scene.actor()

    with pytest.raises(ValidationError) as owner:
        actions.retrospective_update(retrospective=retrospective, actor=rhea, owner=scene.viewer.user)
    with pytest.raises(ValidationError) as reviewer:
        actions.retrospective_update(retrospective=retrospective, actor=rhea, reviewers=[scene.viewer.user])
    actions.retrospective_transition(retrospective=retrospective, status="published", actor=rhea)
    with pytest.raises(ValidationError) as locked:
        actions.retrospective_update(retrospective=retrospective, actor=rhea, title="Changed")

    name = scene.viewer.user.display_name
    assert owner.value.message_dict == {"owner": [f"{name} is a viewer: viewers cannot read drafts."]}
    assert reviewer.value.message_dict == {"reviewers": [f"{name} is a viewer: viewers cannot read drafts."]}
    assert locked.value.message_dict == {
        "status": ["This retrospective is published: reopen it as a draft to edit it."]
    }
    assert Retrospective.objects.get().title == "Checkout failing"
    assert retrospective.reviewers.exists() is False


def test_the_hook_skips_a_viewer_commander_as_owner(scene):
    incident = scene.declare(sev="SEV1")
    incident_actions.role_assign(incident=incident, role=commander_role(scene.org), user=scene.viewer.user,
                                 actor=scene.actor())  # fmt: skip

    scene.resolve(incident, scene.owner)

    assert Retrospective.objects.get(incident=incident).owner == scene.owner.user  # the one who resolved it


# --- templates and factors --------------------------------------------------------------------------------


def test_org_defaults_are_created_once(scene):
    actions.retro_defaults_ensure(organization=scene.org)

    assert list(RetroTemplate.objects.for_org(scene.org).values_list("slug", "is_default")) == [("standard", True)]
    assert list(selectors.contributing_factor_list(organization=scene.org).values_list("slug", flat=True)) == [
        "capacity",
        "change",
        "configuration",
        "dependency",
        "monitoring-gap",
        "process",
    ]


def test_a_new_default_template_moves_the_flag_and_the_default_cannot_be_deleted(scene):
    admin = scene.actor(scene.admin)
    standard = RetroTemplate.objects.get(organization=scene.org, slug="standard")

    short = actions.retro_template_create(
        organization=scene.org, actor=admin, name="Short", sections=[{"title": "What happened"}], is_default=True
    )
    with pytest.raises(ValidationError) as refused:
        actions.retro_template_delete(template=short, actor=admin)
    actions.retro_template_delete(template=standard, actor=admin)
    retrospective = scene.retro()

    assert refused.value.message_dict == {
        "is_default": ["The default template cannot be deleted: make another one the default."]
    }
    assert list(RetroTemplate.objects.for_org(scene.org).values_list("slug", "is_default")) == [("short", True)]
    assert list(RetroSection.objects.filter(retrospective=retrospective).values_list("key", "title", "prompt")) == [
        ("what_happened", "What happened", "")
    ]


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ([], "Give the template at least one section."),
        ([{"title": "Summary"}, {"title": "summary"}], "Two sections are called “summary”: each needs its own title."),
        ([{"title": ""}], "Section 1 needs a title of at most 100 characters."),
        (["Summary"], "Section 1 must be an object with a title and a prompt."),
        ([{"title": "!!!"}], "Section “!!!” needs a title with letters or digits."),
    ],
)
def test_invalid_template_sections_are_refused(scene, sections, message):
    with pytest.raises(ValidationError) as refused:
        actions.retro_template_create(organization=scene.org, actor=scene.actor(), name="Bad", sections=sections)

    assert refused.value.message_dict == {"sections": [message]}
    assert RetroTemplate.objects.for_org(scene.org).count() == 1


def test_factor_names_are_unique_per_org_case_insensitively(scene):
    with pytest.raises(ValidationError) as refused:
        actions.contributing_factor_create(organization=scene.org, actor=scene.actor(), name="CHANGE")

    assert refused.value.message_dict == {"name": ["There is already a factor called “CHANGE”."]}


def test_settings_update_is_audited_and_validated(scene):
    admin = scene.actor(scene.admin)

    actions.retro_settings_update(organization=scene.org, actor=admin, due_business_days=3, include_drills=True)
    with pytest.raises(ValidationError) as refused:
        actions.retro_settings_update(organization=scene.org, actor=admin, due_business_days=0)

    policy = RetroSettings.objects.get(organization=scene.org)
    assert (policy.due_business_days, policy.include_drills, policy.severity_rank_max) == (3, True, 3)
    assert refused.value.message_dict == {"due_business_days": ["Choose between 1 and 60 business days."]}
    assert AuditEvent.objects.get(action="retro_settings.updated").changes == {
        "due_business_days": {"before": 5, "after": 3},
        "include_drills": {"before": False, "after": True},
    }


# --- reminders -------------------------------------------------------------------------------------------


def test_owners_get_one_due_soon_and_one_overdue_reminder(scene):
    now = timezone.now()
    retrospective = scene.retro()
    Retrospective.objects.filter(pk=retrospective.pk).update(due_at=now + timedelta(hours=12))
    far = scene.retro(scene.declare("Not due yet"))
    Retrospective.objects.filter(pk=far.pk).update(due_at=now + timedelta(days=3))

    first = actions.retrospective_reminders_send(now=now)
    again = actions.retrospective_reminders_send(now=now + timedelta(hours=1))
    overdue = actions.retrospective_reminders_send(now=now + timedelta(hours=13))
    after = actions.retrospective_reminders_send(now=now + timedelta(hours=20))

    assert (first, again, overdue, after) == (1, 0, 1, 0)
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Due soon: retrospective of INC-1", ["rhea@acme.test"]),
        ("Overdue: retrospective of INC-1", ["rhea@acme.test"]),
    ]
    assert mail.outbox[0].body == (
        f"The retrospective of INC-1 (Checkout failing) in Acme is due {retrospective_due(now)}. It is draft.\n\n"
        f"Open it: {settings.SITE_URL}/o/acme/retros/1/\n"
    )


def test_published_retros_and_ones_without_owner_are_not_reminded(scene):
    published = scene.retro()
    actions.retrospective_transition(retrospective=published, status="published", actor=scene.actor())
    ownerless = scene.retro(scene.declare("No owner"))
    actions.retrospective_update(retrospective=ownerless, actor=scene.actor(), owner=None)
    Retrospective.objects.update(due_at=timezone.now() - timedelta(days=1))

    assert tasks.retrospective_reminders_send() == 0
    assert mail.outbox == []


def test_a_new_due_date_earns_new_reminders(scene):
    now = timezone.now()
    retrospective = scene.retro()
    Retrospective.objects.filter(pk=retrospective.pk).update(due_at=now - timedelta(hours=1))
    actions.retrospective_reminders_send(now=now)

    actions.retrospective_update(retrospective=retrospective, actor=scene.actor(), due_at=now + timedelta(hours=2))

    assert Retrospective.objects.get(pk=retrospective.pk).reminded_at is None
    assert actions.retrospective_reminders_send(now=now) == 1
    assert len(mail.outbox) == 2


def test_incident_model_is_untouched_by_drafting(scene):
    incident = scene.declare()
    before = Incident.objects.filter(pk=incident.pk).values().get()

    scene.retro(incident)

    assert Incident.objects.filter(pk=incident.pk).values().get() == before
