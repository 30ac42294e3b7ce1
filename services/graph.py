"""Coordinates for the dependency picture on a service page: a small layered layout, pure Python.

The service sits in the middle column; what it depends on (upstream) fans out to the left by distance,
what depends on it (downstream) to the right, up to `depth` hops. Edges point from a service to what it
depends on. An edge whose two ends are in the same strongly connected component lies on a cycle. The
template turns the result into inline SVG; nothing here touches the database.
"""

from collections import deque
from dataclasses import dataclass, field

from services.models import Service
from services.selectors import Graph

NODE_WIDTH = 156
NODE_HEIGHT = 46
COLUMN_GAP = 44
MIN_SCALE = 0.7  # the picture shrinks to fit the card down to this; wider graphs scroll
ROW_GAP = 14
PADDING = 14
HEADER = 26  # the row of column captions above the boxes
MAX_DEPTH = 3
MAX_PER_COLUMN = 12
NAME_CHARS = 20
DETAIL_CHARS = 21


@dataclass(frozen=True)
class Node:
    """A box: a service (a link to its page), or a "+N more" box standing for a column's overflow."""

    x: int
    y: int
    column: int  # hops from the service: negative upstream, positive downstream
    slot: int  # position of the column from the left of the picture
    service: Service | None = None
    hidden: int = 0  # for a "+N more" box: how many services it stands for
    is_center: bool = False

    @property
    def label(self) -> str:
        if self.service is None:
            return f"+{self.hidden} more"
        return _truncate(self.service.name, NAME_CHARS)

    @property
    def detail(self) -> str:
        if self.service is None:
            return "see the lists below"
        owner = self.service.owner_team.name if self.service.owner_team_id else "no owner"
        return _truncate(f"Tier {self.service.tier} · {owner}", DETAIL_CHARS)

    @property
    def center_x(self) -> int:
        return self.x + NODE_WIDTH // 2

    @property
    def text_x(self) -> int:
        return self.x + 14

    @property
    def width(self) -> int:
        return NODE_WIDTH

    @property
    def height(self) -> int:
        return NODE_HEIGHT


@dataclass(frozen=True)
class Edge:
    source: Service
    target: Service
    path: str
    on_cycle: bool


@dataclass(frozen=True)
class Caption:
    x: int
    text: str


@dataclass(frozen=True)
class Layout:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    captions: list[Caption] = field(default_factory=list)

    @property
    def min_width(self) -> int:
        return int(self.width * MIN_SCALE)

    @property
    def has_neighbours(self) -> bool:
        return len(self.nodes) > 1

    @property
    def has_cycle(self) -> bool:
        return any(edge.on_cycle for edge in self.edges)


def _caption(column: int) -> str:
    if column == 0:
        return "This service"
    hops = abs(column)
    return f"{'Depends on' if column < 0 else 'Dependents'}{'' if hops == 1 else f' · {hops} hops'}"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _distances(start: int, edges: dict[int, set[int]], depth: int) -> dict[int, int]:
    """Shortest hop count from `start` along `edges`, up to `depth` hops."""
    seen = {start: 0}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        if seen[current] == depth:
            continue
        for nxt in sorted(edges.get(current, ())):
            if nxt not in seen:
                seen[nxt] = seen[current] + 1
                queue.append(nxt)
    seen.pop(start)
    return seen


def strongly_connected(depends_on: dict[int, set[int]]) -> dict[int, int]:
    """Component id of every node (iterative Tarjan: no recursion limit on long chains)."""
    nodes = set(depends_on) | {v for targets in depends_on.values() for v in targets}
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    component: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(depends_on.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(depends_on.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = node
                    if member == node:
                        break
    return component


def _order(columns: dict[int, list[int]], graph: Graph) -> None:
    """Barycentre ordering: each column, going outwards from the centre, follows its neighbours inwards."""
    for side in (-1, 1):
        column = side
        while column in columns:
            inner = {pk: i for i, pk in enumerate(columns[column - side])}

            def weight(pk: int, inner: dict[int, int] = inner) -> float:
                neighbours = [
                    inner[n] for n in graph.depends_on.get(pk, set()) | graph.dependents.get(pk, set()) if n in inner
                ]
                return sum(neighbours) / len(neighbours) if neighbours else float(len(inner))

            columns[column].sort(key=weight)  # stable: ties keep tier-then-name order
            column += side


def _edge_path(source: Node, target: Node, lanes: "Lanes") -> str:
    """A curve from the source box to the target box, leaving and entering on the facing sides.

    Neighbouring columns get one S-curve. An edge that crosses columns between its ends leaves its box,
    runs along a lane above (or below) the boxes of those columns, and comes back down, so it never
    passes through a box it does not connect.
    """
    sy, ty = source.y + NODE_HEIGHT // 2, target.y + NODE_HEIGHT // 2
    if source.slot == target.slot:
        # Same column: a loop out to the right, attached off-centre so it does not merge with the edges
        # that arrive at the middle of the boxes' right sides.
        x = source.x + NODE_WIDTH
        down = target.y > source.y
        sy = source.y + (NODE_HEIGHT * 3 // 4 if down else NODE_HEIGHT // 4)
        ty = target.y + (NODE_HEIGHT // 4 if down else NODE_HEIGHT * 3 // 4)
        bulge = 28 + abs(ty - sy) // 5
        return f"M{x},{sy} C{x + bulge},{sy} {x + bulge},{ty} {x},{ty}"
    sign = -1 if target.slot < source.slot else 1  # -1: the usual way, what a service depends on is left
    x1 = source.x if sign < 0 else source.x + NODE_WIDTH
    x2 = target.x + NODE_WIDTH if sign < 0 else target.x
    if abs(target.slot - source.slot) == 1:
        bend = max(abs(x2 - x1) // 2, 24)
        return f"M{x1},{sy} C{x1 + sign * bend},{sy} {x2 - sign * bend},{ty} {x2},{ty}"
    lane = lanes.lane(source.slot, target.slot)
    half = COLUMN_GAP // 2
    a, b = x1 + sign * half, x2 - sign * half
    return (
        f"M{x1},{sy} C{a},{sy} {a},{lane} {a + sign * 12},{lane} L{b - sign * 12},{lane} C{b},{lane} {b},{ty} {x2},{ty}"
    )


@dataclass
class Lanes:
    """Where long edges run: just above the highest box of the columns they cross, else below the lowest."""

    tops: dict[int, int]
    bottoms: dict[int, int]
    lowest: int = 0

    def lane(self, a: int, b: int) -> int:
        between = range(min(a, b) + 1, max(a, b))
        above = min(self.tops[slot] for slot in between) - 10
        if above >= PADDING + HEADER - 4:
            return above
        below = max(self.bottoms[slot] for slot in between) + 10
        self.lowest = max(self.lowest, below)
        return below


def layout(*, graph: Graph, service: Service, depth: int = MAX_DEPTH, per_column: int = MAX_PER_COLUMN) -> Layout:
    """Boxes and curves for `service` and its neighbourhood in `graph`, in pixels."""
    services = {**graph.services, service.pk: service}
    upstream = _distances(service.pk, graph.depends_on, depth)
    downstream = _distances(service.pk, graph.dependents, depth)
    column_of = {service.pk: 0}
    for pk in services.keys() & (upstream.keys() | downstream.keys()):
        up, down = upstream.get(pk), downstream.get(pk)
        column_of[pk] = -up if up is not None and (down is None or up <= down) else down

    columns: dict[int, list[int]] = {}
    for pk in sorted(column_of, key=lambda pk: (services[pk].tier, services[pk].name.lower())):
        columns.setdefault(column_of[pk], []).append(pk)
    hidden = {column: len(pks) - per_column for column, pks in columns.items() if len(pks) > per_column}
    columns = {column: pks[:per_column] for column, pks in columns.items()}
    _order(columns, graph)

    order = sorted(columns)
    rows = max(len(pks) + (1 if column in hidden else 0) for column, pks in columns.items())
    step = NODE_HEIGHT + ROW_GAP
    nodes: dict[int, Node] = {}
    extra: list[Node] = []
    captions: list[Caption] = []
    lanes = Lanes(tops={}, bottoms={})
    for slot, column in enumerate(order):
        x = PADDING + slot * (NODE_WIDTH + COLUMN_GAP)
        count = len(columns[column]) + (1 if column in hidden else 0)
        top = PADDING + HEADER + (rows - count) * step // 2
        lanes.tops[slot], lanes.bottoms[slot] = top, top + count * step - ROW_GAP
        captions.append(Caption(x + NODE_WIDTH // 2, _caption(column)))
        for row, pk in enumerate(columns[column]):
            nodes[pk] = Node(x, top + row * step, column, slot, services[pk], is_center=pk == service.pk)
        if column in hidden:
            extra.append(Node(x, top + len(columns[column]) * step, column, slot, hidden=hidden[column]))

    component = strongly_connected(graph.depends_on)
    edges = [
        Edge(
            source=nodes[source].service,
            target=nodes[target].service,
            path=_edge_path(nodes[source], nodes[target], lanes),
            on_cycle=component.get(source) == component.get(target),
        )
        for source in sorted(nodes)
        for target in sorted(graph.depends_on.get(source, ()))
        if target in nodes
    ]
    loops = any(nodes[s].slot == nodes[t].slot for s in nodes for t in graph.depends_on.get(s, ()) if t in nodes)
    width = 2 * PADDING + len(order) * NODE_WIDTH + (len(order) - 1) * COLUMN_GAP + (40 if loops else 0)
    height = max(2 * PADDING + HEADER + rows * step - ROW_GAP, lanes.lowest + PADDING)
    return Layout(nodes=[*nodes.values(), *extra], edges=edges, width=width, height=height, captions=captions)
