"""The text a workflow step writes (a note, a status update, a page's message …), rendered from a template.

Templates are Django template syntax run by a sandboxed engine: no loaders (no ``{% include %}``/``{% extends %}``,
no ``{% load %}``), the only tags are ``{% if %}`` and ``{% for %}`` (nested at most two deep), a short list of
harmless filters, autoescape off (the output is text or Markdown, not HTML), and the context is plain strings,
numbers, lists and dicts — never a model — so a template reaches nothing but these values:

    {{ incident.reference }} {{ incident.number }} {{ incident.title }} {{ incident.severity }}
    {{ incident.status }} {{ incident.url }} {{ commander }} {{ workflow }} {{ event.<key> }}

A template is bounded in length (TEMPLATE_MAX) and so is what it renders (`max_length`, truncated with "…").
Errors (a syntax error, an unknown tag, filter or value) are ValidationErrors naming the template's param.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import FilterExpression, Node, VariableNode
from django.template.defaulttags import ForNode, IfNode

if TYPE_CHECKING:
    from workflows.steps.registry import StepContext

TEMPLATE_MAX = 4000  # characters of a template's source
OUTPUT_MAX = 4000  # characters a template renders to, unless the caller says otherwise
FOR_DEPTH_MAX = 2
VALUE_MAX = 1000  # characters of one string value of the context (event values come from outside)
NAMES = ("incident", "commander", "workflow", "event")
FILTERS = (
    "default",
    "default_if_none",
    "first",
    "join",
    "last",
    "length",
    "lower",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "yesno",
)

# The engine's only builtins: this module's `register` (if, for and the filters above).
register = Library()
register.tag("if", defaulttags.do_if)
register.tag("for", defaulttags.do_for)
for _name in FILTERS:
    register.filter(_name, getattr(defaultfilters, _name))


class _TooLong(Exception):
    pass


class _Counted(Node):
    """A loop body's node that adds what it renders to the template's running total and stops the render once
    the total passes the budget: two nested loops over long lists cannot build megabytes before the cut."""

    def __init__(self, inner: Node, budget_key: str) -> None:
        self.inner = inner
        self.budget_key = budget_key

    def render(self, context: Context) -> str:
        text = self.inner.render_annotated(context)
        total = context.render_context.get(self.budget_key, 0) + len(text)
        context.render_context[self.budget_key] = total
        if total > context.get(_BUDGET, RENDER_BUDGET_MIN):
            raise _TooLong
        return text


_TOTAL = "workflows.steps.rendered"
_BUDGET = "_budget"  # in the Context (a template cannot read a name starting with "_")
RENDER_BUDGET_MIN = 20_000


class _SandboxEngine(Engine):
    default_builtins: list[str] = []  # not Django's tags and filters: only this module's


_engine = _SandboxEngine(
    dirs=[],
    app_dirs=False,
    loaders=[],
    libraries={},
    builtins=["workflows.steps.templating"],
    autoescape=False,
    string_if_invalid="",
    debug=False,
)


def _expressions(node: Any) -> list[FilterExpression]:
    """The values a node reads (its own, not its children's)."""
    if isinstance(node, VariableNode):
        return [node.filter_expression]
    if isinstance(node, ForNode):
        return [node.sequence]
    if isinstance(node, IfNode):
        found = []
        for condition, _nodelist in node.conditions_nodelists:
            stack = [condition]
            while stack:
                item = stack.pop()
                if item is None:
                    continue
                if isinstance(getattr(item, "value", None), FilterExpression):
                    found.append(item.value)
                stack += [getattr(item, "first", None), getattr(item, "second", None)]
        return found
    return []


def _check_nodes(nodelist: Any, names: set[str], depth: int) -> None:
    """Every value read starts with a known name (or a loop variable); `for` loops nest at most FOR_DEPTH_MAX."""
    for node in nodelist:
        for expression in _expressions(node):
            var = expression.var
            lookups = getattr(var, "lookups", None)
            if lookups and lookups[0] not in names:
                dotted = ".".join(lookups)
                known = ", ".join(NAMES)
                raise TemplateSyntaxError(f"Unknown value “{dotted}”: a template can use {known}.")
        inner = names
        inner_depth = depth
        if isinstance(node, ForNode):
            inner_depth = depth + 1
            if inner_depth > FOR_DEPTH_MAX:
                raise TemplateSyntaxError(f"Loops nest at most {FOR_DEPTH_MAX} deep.")
            inner = names | set(node.loopvars) | {"forloop"}
        for attr in getattr(node, "child_nodelists", ()):
            child = getattr(node, attr, None)
            if child:
                _check_nodes(child, inner if attr == "nodelist_loop" else names, inner_depth)
        if isinstance(node, IfNode):
            for _condition, nodelist in node.conditions_nodelists:
                _check_nodes(nodelist, names, depth)


def _reason(exc: TemplateSyntaxError) -> str:
    """Django's message, in this sandbox's words where it would mislead ("did you forget to load …")."""
    message = str(exc)
    found = re.match(r"Invalid block tag on line \d+: '([^']+)'", message)
    if found:
        return f"unknown tag “{found.group(1)}” (templates can use {{% if %}} and {{% for %}} only)."
    found = re.match(r"Invalid filter: '([^']+)'", message)
    if found:
        return f"unknown filter “{found.group(1)}” (templates can use {', '.join(FILTERS)})."
    return message


def _compile(source: str, field: str) -> Any:
    if len(source) > TEMPLATE_MAX:
        raise ValidationError({field: f"Keep the template under {TEMPLATE_MAX} characters."})
    try:
        template = _engine.from_string(source)
        _check_nodes(template.nodelist, set(NAMES), 0)
    except TemplateSyntaxError as exc:
        raise ValidationError({field: f"The template cannot be used: {_reason(exc)}"}) from exc
    for loop in template.nodelist.get_nodes_by_type(ForNode):
        loop.nodelist_loop[:] = [_Counted(node, _TOTAL) for node in loop.nodelist_loop]
    return template


def template_check(source: str, *, field: str, required: bool = True) -> str:
    """The template as stored (trimmed) if it compiles; ValidationError({field: why}) otherwise."""
    if not isinstance(source, str):
        raise ValidationError({field: "Write the text as a string."})
    source = source.strip()
    if not source:
        if required:
            raise ValidationError({field: "Write the text."})
        return ""
    _compile(source, field)
    return source


def _plain(value: Any, depth: int = 0) -> Any:
    """`value` as template data: strings (bounded), numbers, bools, lists and dicts of them; anything else its str."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value[:VALUE_MAX]
    if depth < 4 and isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in list(value.items())[:100] if not str(k).startswith("_")}
    if depth < 4 and isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in list(value)[:100]]
    return str(value)[:VALUE_MAX]


def render_template(
    source: str, context: dict[str, Any], *, field: str = "template", max_length: int = OUTPUT_MAX
) -> str:
    """Render `source` with `context` (made plain data first); output stripped and cut at `max_length`."""
    template = _compile(source or "", field)
    budget = max(RENDER_BUDGET_MIN, 4 * max_length)
    try:
        text = template.render(Context({**_plain(context), _BUDGET: budget}, autoescape=False))
    except _TooLong as exc:
        raise ValidationError({field: f"The template's loops render more than {budget} characters."}) from exc
    except Exception as exc:  # a filter given a value it cannot take, ...: the step reports it
        raise ValidationError({field: f"The template could not be rendered: {exc}"}) from exc
    text = text.strip()
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def incident_values(incident: Any) -> dict[str, Any]:
    """What templates see of an incident (plain values)."""
    from django.urls import reverse

    from notifications.actions.pages import site_url

    path = reverse(
        "incidents:incident-detail", kwargs={"org_slug": incident.organization.slug, "number": incident.number}
    )
    return {
        "reference": incident.reference,
        "number": incident.number,
        "title": incident.title,
        "severity": incident.severity.name,
        "status": incident.get_status_display(),
        "url": site_url(path),
        "is_drill": incident.is_drill,
    }


def commander_name(incident: Any) -> str:
    """The display name of who holds the org's commander role on the incident now, or "unassigned"."""
    from incidents.models import RoleAssignment

    assignment = (
        RoleAssignment.objects.filter(incident=incident, role__is_commander=True, released_at=None)
        .select_related("user")
        .order_by("-assigned_at")
        .first()
    )
    return assignment.user.display_name if assignment else "unassigned"


def step_template_context(ctx: StepContext) -> dict[str, Any]:
    """The context of a step's templates: the run's incident (if any), its commander, the workflow, the event."""
    context: dict[str, Any] = {"workflow": ctx.run.workflow_name, "event": ctx.run.event or {}}
    if ctx.incident is not None:
        context["incident"] = incident_values(ctx.incident)
        context["commander"] = commander_name(ctx.incident)
    else:
        context["incident"] = {}
        context["commander"] = ""
    return context


def step_render(ctx: StepContext, source: str, *, field: str, max_length: int = OUTPUT_MAX) -> str:
    return render_template(source, step_template_context(ctx), field=field, max_length=max_length)
