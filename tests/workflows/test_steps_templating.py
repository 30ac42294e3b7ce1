"""The sandboxed templates of step texts, and the guards every action shares (registry.define): a dry run never
writes, a refusal inside execute undoes what the step wrote and fails it, an action needing an incident skips a
run without one."""

import pytest
from django.core.exceptions import ValidationError

from incidents.models import IncidentTask, TimelineEvent
from tests.workflows.steps_helpers import context, incident_of, org_ready
from workflows.steps import ACTIONS, ParamField, render_template
from workflows.steps.registry import define, succeeded
from workflows.steps.templating import TEMPLATE_MAX

pytestmark = pytest.mark.django_db

CONTEXT = {
    "incident": {"reference": "INC-7", "title": "<b>Checkout</b> & co", "severity": "SEV1"},
    "commander": "Ana Ruiz",
    "workflow": "Declaration process",
    "event": {"services": ["checkout", "payments"], "is_drill": False},
}


def refusal(source: str) -> str:
    with pytest.raises(ValidationError) as caught:
        render_template(source, CONTEXT, field="body")
    return caught.value.message_dict["body"][0]


def test_values_if_for_and_no_escaping():
    source = (
        "{{ incident.reference }} {{ incident.title }}: {% for s in event.services %}{{ s|upper }}"
        "{% if not forloop.last %}, {% endif %}{% endfor %}{% if event.is_drill %} (drill){% endif %}"
    )
    assert render_template(source, CONTEXT) == "INC-7 <b>Checkout</b> & co: CHECKOUT, PAYMENTS"


def test_missing_values_render_empty_and_output_is_bounded():
    assert render_template("[{{ event.nothing }}]", CONTEXT) == "[]"
    assert render_template("{{ incident.title }}" * 10, CONTEXT, max_length=12) == "<b>Checkout…"


def test_loops_cannot_build_megabytes():
    big = {"event": {"items": list(range(100)), "text": "x" * 1000}}
    nested = "{% for a in event.items %}{% for b in event.items %}{{ event.text }}{% endfor %}{% endfor %}"
    with pytest.raises(ValidationError) as caught:
        render_template(nested, big, field="body", max_length=10_000)
    assert caught.value.message_dict == {"body": ["The template's loops render more than 40000 characters."]}
    # under the budget, the output is cut to the param's length
    short = "{% for a in event.items %}{% for b in event.items %}{{ b }}{% endfor %}{% endfor %}"
    assert len(render_template(short, big, max_length=10_000)) == 10_000


def test_nothing_beyond_if_and_for():
    assert refusal("{% load static %}") == (
        "The template cannot be used: unknown tag “load” (templates can use {% if %} and {% for %} only)."
    )
    assert refusal("{% include '/etc/passwd' %}").startswith("The template cannot be used: unknown tag “include”")
    assert refusal("{% debug %}").startswith("The template cannot be used: unknown tag “debug”")
    assert refusal("{{ incident.title|safe }}").startswith("The template cannot be used: unknown filter “safe”")
    assert refusal("{{ incident.__class__ }}") == (
        "The template cannot be used: Variables and attributes may not begin with underscores: 'incident.__class__'"
    )
    assert refusal("{{ settings.SECRET_KEY }}") == (
        "The template cannot be used: Unknown value “settings.SECRET_KEY”: "
        "a template can use incident, commander, workflow, event."
    )
    assert refusal(
        "{% for a in event.services %}{% for b in event.services %}{% for c in event.services %}"
        "{% endfor %}{% endfor %}{% endfor %}"
    ) == ("The template cannot be used: Loops nest at most 2 deep.")
    assert refusal("x" * (TEMPLATE_MAX + 1)) == f"Keep the template under {TEMPLATE_MAX} characters."


def test_model_objects_never_reach_a_template(org):
    org_ready(org)
    incident = incident_of(org, title="Checkout is down")
    ctx = context(
        org,
        "post_note",
        {"body": "{{ incident.title }} {{ incident.organization }} {{ event.trigger }}"},
        incident=incident,
    )
    ACTIONS["post_note"].execute(ctx)
    assert TimelineEvent.objects.get(incident=incident).body == "Checkout is down  incident.declared"


def _writer(fail: bool):
    def execute(ctx):
        IncidentTask.objects.create(organization=ctx.organization, incident=ctx.incident, title="Written")
        if fail:
            raise ValidationError({"thing": "The lower app refused."})
        return succeeded("Wrote a task")

    return define(
        name=f"test_writer_{fail}",
        label="Test writer",
        needs_incident=True,
        fields=(ParamField("thing", "Thing", "text", required=False),),
        validate=lambda organization, params: params,
        describe=lambda organization, params: "Write a task",
        plan=execute,
        execute=execute,
    )


@pytest.fixture
def writers():
    made = [_writer(False), _writer(True)]
    yield made
    for action in made:
        ACTIONS.pop(action.name)


def test_the_guards_of_every_action(org, writers):
    org_ready(org)
    ok, refused = writers
    incident = incident_of(org)
    ctx = context(org, "post_note", {"body": "x"}, incident=incident)

    assert ok.plan(ctx).outcome == "Wrote a task"
    assert not IncidentTask.objects.exists()  # a plan's writes are rolled back
    failed = refused.execute(ctx)
    assert (failed.status, failed.outcome) == ("failed", "The lower app refused.")
    assert not IncidentTask.objects.exists()  # the failed step's writes are undone
    assert ok.execute(ctx).status == "succeeded"
    assert IncidentTask.objects.count() == 1
    no_incident = context(org, "post_note", {"body": "x"})
    assert (ok.execute(no_incident).status, ok.execute(no_incident).outcome) == ("skipped", "needs an incident")
    assert ACTIONS["assign_role"].describe(org, {"role": "gone", "to": {"kind": "service_oncall"}}) == (
        "Assign a role: “gone” is not an incident role of this organization."
    )
    with pytest.raises(ValidationError) as caught:
        ok.validate(org, ["not", "an", "object"])
    assert caught.value.message_dict == {"params": ["The action's params must be an object."]}


def test_every_action_has_fields_of_known_kinds_and_a_label():
    from workflows.steps.registry import PARAM_KINDS

    assert list(ACTIONS)[:12] == [
        "assign_role",
        "page",
        "add_tasks",
        "post_note",
        "post_status_update",
        "stakeholder_update",
        "publish_status_page",
        "chat_post",
        "create_follow_up",
        "call_webhook",
        "change_severity",
        "change_status",
    ]
    for action in ACTIONS.values():
        assert action.label
        assert all(field.kind in PARAM_KINDS for field in action.fields), action.name
