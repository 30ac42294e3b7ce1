"""The dependency picture's layout (services.graph): pure Python over a selectors.Graph, no database."""

from services import graph
from services.models import Service
from services.selectors import Graph


def make_graph(names: list[str], edges: list[tuple[str, str]]) -> tuple[Graph, dict[str, Service]]:
    """A Graph of unsaved services named `names` with `source depends on target` edges."""
    services = {name: Service(pk=i, name=name, slug=name, tier=1 + i % 4) for i, name in enumerate(names, 1)}
    result = Graph(services={s.pk: s for s in services.values()})
    for source, target in edges:
        result.depends_on.setdefault(services[source].pk, set()).add(services[target].pk)
        result.dependents.setdefault(services[target].pk, set()).add(services[source].pk)
    return result, services


def columns(layout: graph.Layout) -> dict[str, int]:
    return {node.service.slug: node.column for node in layout.nodes if node.service is not None}


def test_upstream_goes_left_and_dependents_right_up_to_three_hops():
    deps, s = make_graph(list("abcdefgh"), [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("f", "a"), ("g", "f")])

    layout = graph.layout(graph=deps, service=s["a"])

    assert columns(layout) == {"a": 0, "b": -1, "c": -2, "d": -3, "f": 1, "g": 2}
    assert [caption.text for caption in layout.captions] == [
        "Depends on · 3 hops",
        "Depends on · 2 hops",
        "Depends on",
        "This service",
        "Dependents",
        "Dependents · 2 hops",
    ]
    assert [node.is_center for node in layout.nodes if node.service.slug == "a"] == [True]


def test_a_lonely_service_has_no_neighbours():
    deps, s = make_graph(["a", "b"], [])

    layout = graph.layout(graph=deps, service=s["a"])

    assert layout.has_neighbours is False
    assert layout.edges == []


def test_edges_on_a_cycle_are_marked_and_others_are_not():
    deps, s = make_graph(list("abcd"), [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")])

    layout = graph.layout(graph=deps, service=s["a"])

    assert sorted((e.source.slug, e.target.slug, e.on_cycle) for e in layout.edges) == [
        ("a", "b", True),
        ("b", "c", True),
        ("c", "a", True),
        ("d", "a", False),
    ]
    assert layout.has_cycle is True


def test_strongly_connected_components_survive_long_chains():
    chain = {i: {i + 1} for i in range(5000)}
    chain[5000] = {0}

    component = graph.strongly_connected(chain)

    assert len(set(component.values())) == 1


def test_a_crowded_column_shows_a_more_box():
    names = ["hub", *(f"leaf-{i:02}" for i in range(15))]
    deps, s = make_graph(names, [("hub", f"leaf-{i:02}") for i in range(15)])

    layout = graph.layout(graph=deps, service=s["hub"], per_column=12)

    more = [node for node in layout.nodes if node.service is None]
    assert [(node.label, node.column) for node in more] == [("+3 more", -1)]
    assert len(layout.edges) == 12


def test_an_edge_across_columns_runs_along_a_lane_around_the_boxes_between():
    # d depends on a two columns away: its curve must not cross the centre column's box
    deps, s = make_graph(list("abcd"), [("b", "a"), ("c", "b"), ("c", "a"), ("a", "d")])

    layout = graph.layout(graph=deps, service=s["b"])

    long_edge = next(e for e in layout.edges if (e.source.slug, e.target.slug) == ("c", "a"))
    assert " L" in long_edge.path
    centre = next(node for node in layout.nodes if node.is_center)
    lane_y = int(long_edge.path.split(" L")[1].split(",")[1].split(" ")[0])
    assert lane_y < centre.y or lane_y > centre.y + centre.height


def test_long_names_are_truncated_to_fit_the_box():
    deps, s = make_graph(["a-service-with-a-very-long-name", "b"], [("b", "a-service-with-a-very-long-name")])
    s["a-service-with-a-very-long-name"].name = "A service with a very long name indeed"

    layout = graph.layout(graph=deps, service=s["b"])

    assert [node.label for node in layout.nodes if node.column == -1] == ["A service with a ve…"]
