"""Loading YAML a client sends: PyYAML's safe loader with limits on size, nesting and alias expansion.

`yaml.safe_load` builds only plain data, but it has no limits: a deeply nested document recurses until
RecursionError (a 500), and a few lines of anchors and aliases ("billion laughs") describe a document
of billions of nodes that any later walk (validation, export, JSON) never finishes. Here:
- the text is at most `limits.YAML_MAX_BYTES`;
- nesting is at most `limits.MAX_NESTING_DEPTH` levels, checked while composing (before any recursion
  gets deep);
- the documents, with every alias followed, count at most `limits.YAML_MAX_NODES` nodes together, and an
  alias may not refer to a node that contains it.
Every refusal is a `YAMLLimitError`, a `yaml.MarkedYAMLError`, so callers report it like a syntax error
(with line and column where there is one).
"""

from typing import Any

import yaml

from core import limits


class YAMLLimitError(yaml.MarkedYAMLError):
    """The document is valid YAML but over one of the limits; `problem` says which, with the limit."""


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class _BoundedSafeLoader(yaml.SafeLoader):
    max_depth = limits.MAX_NESTING_DEPTH
    max_nodes = limits.YAML_MAX_NODES

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise YAMLLimitError(
                    problem=f"nested too deeply (at most {self.max_depth} levels)",
                    problem_mark=self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> yaml.Node:
        node = super().compose_document()
        self._nodes += self._expanded_size(node)
        if self._nodes > self.max_nodes:
            raise YAMLLimitError(
                problem=f"too large once its aliases are expanded (at most {self.max_nodes:,} nodes)",
                problem_mark=node.start_mark,
            )
        return node

    def _expanded_size(self, root: yaml.Node) -> int:
        """Nodes of `root` with every alias followed, counted without expanding (shared nodes are memoized)."""
        sizes: dict[int, int] = {}
        open_nodes: set[int] = set()  # the current path from the root: an alias back into it is a cycle
        stack: list[tuple[yaml.Node, bool]] = [(root, False)]
        while stack:
            node, finished = stack.pop()
            if finished:
                open_nodes.discard(id(node))
                sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
                if self._nodes + sizes[id(node)] > self.max_nodes:
                    raise YAMLLimitError(
                        problem=f"too large once its aliases are expanded (at most {self.max_nodes:,} nodes)",
                        problem_mark=node.start_mark,
                    )
                continue
            if id(node) in sizes:
                continue
            open_nodes.add(id(node))
            stack.append((node, True))
            for child in _children(node):
                if id(child) in open_nodes:
                    raise YAMLLimitError(
                        problem="an alias refers to a node that contains it", problem_mark=child.start_mark
                    )
                if id(child) not in sizes:
                    stack.append((child, False))
        return sizes[id(root)]


def _check_size(text: str, max_bytes: int) -> None:
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise YAMLLimitError(problem=f"larger than the limit of {max_bytes:,} bytes")


def safe_load_all(text: str, *, max_bytes: int = limits.YAML_MAX_BYTES) -> list[Any]:
    """Every document of a YAML stream as plain data, within the limits (YAMLLimitError otherwise)."""
    _check_size(text, max_bytes)
    loader = _BoundedSafeLoader(text)
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return documents
    finally:
        loader.dispose()


def safe_load(text: str, *, max_bytes: int = limits.YAML_MAX_BYTES) -> Any:
    """The single document of a YAML text as plain data (None when empty), within the limits."""
    documents = safe_load_all(text, max_bytes=max_bytes)
    if len(documents) > 1:
        raise YAMLLimitError(problem="expected a single document, found several")
    return documents[0] if documents else None
