"""The kit's modules import one another without cycles: data modules never import the pipelines that
use them, and a registry never imports its users. Imports inside functions count too, since they only
hide a cycle. The graph is read from the source with `ast`, so the test needs no imports of its own."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "fashion_ai"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set) -> set:
    """The kit modules that one file imports, anywhere in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def module_graph() -> dict:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imported_modules(path, set(files)) for name, path in files.items()}


def find_cycle(graph):
    """One import cycle as a list of modules, or None (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_finder_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_graph_reads_relative_and_function_level_imports():
    graph = module_graph()
    assert "fashion_ai.images" in graph["fashion_ai.clothing_classifier"]
    assert "fashion_ai.detection.evaluate" in graph["fashion_ai.detection.annotate"]  # inside a function


def test_no_import_cycles():
    graph = module_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


#: Modules that compute with models; data modules (readers, writers, generators) never import them.
PIPELINES = ("fashion_ai.pop", "fashion_ai.forecasting", "fashion_ai.detection", "fashion_ai.embedding",
             "fashion_ai.metric_learning", "fashion_ai.fmnist_classifier", "fashion_ai.clothing_classifier",
             "fashion_ai.retrieval", "fashion_ai.clustering", "fashion_ai.commands")


def test_data_modules_never_import_the_pipelines_that_use_them():
    graph = module_graph()
    wrong = {name: sorted(t for t in targets if t.startswith(PIPELINES))
             for name, targets in graph.items() if name.startswith("fashion_ai.datasets")}
    assert not {name: targets for name, targets in wrong.items() if targets}
