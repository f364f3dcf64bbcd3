"""The code's import graph has no cycle, and no import hides inside a function to dodge one.

A cycle broken only by an import inside a function works until someone moves that import
to the top; then the process fails at start. The graph is read from the source (`ast`):
every module-level import of a `bot` or `handlers` module (imports under
`if TYPE_CHECKING:` included, since they name a dependency too), each also depending on
the packages above it, whose `__init__` runs first (except its own: a package's
`__init__` may gather its modules). Imports inside functions are allowed (the command line
defers heavy ones until a command needs them) as long as moving them to the top would
close no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _is_package(name: str, modules: dict[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def _targets(node: ast.Import | ast.ImportFrom, module: str, modules: dict[str, Path]) -> list[str]:
    """The project modules an import statement loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            anchor = module.split(".")
            if not _is_package(module, modules):
                anchor = anchor[:-1]
            anchor = anchor[:len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
    loaded: list[str] = []
    for name in names:
        parts = name.split(".")
        for end in range(1, len(parts) + 1):  # a package's __init__ runs before its modules
            prefix = ".".join(parts[:end])
            implied = end < len(parts)
            if implied and module.startswith(f"{prefix}."):
                continue  # importing a sibling runs our own package's __init__, already running
            if prefix in modules and prefix != module:
                loaded.append(prefix)
    return list(dict.fromkeys(loaded))


def _imports(modules: dict[str, Path]) -> tuple[dict[str, set[str]], dict[str, set[str]], list[str]]:
    """Module-level edges; edges of imports made inside functions; those imports, located."""
    edges: dict[str, set[str]] = {name: set() for name in modules}
    deferred: dict[str, set[str]] = {name: set() for name in modules}
    hidden: list[str] = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        inside = {id(n) for f in functions for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = _targets(node, module, modules)
            if id(node) in inside:
                hidden += [f"{path.relative_to(ROOT)}:{node.lineno} imports {t}" for t in targets
                           if not any(other.startswith(f"{t}.") for other in targets)]
                deferred[module].update(targets)
            else:
                edges[module].update(targets)
    return edges, deferred, hidden


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _merged(edges: dict[str, set[str]], deferred: dict[str, set[str]]) -> dict[str, set[str]]:
    return {module: edges[module] | deferred[module] for module in edges}


def test_no_import_cycle_between_project_modules() -> None:
    edges, _, _ = _imports(_modules())
    assert _cycles(edges) == []


def test_no_import_inside_a_function_dodges_a_cycle() -> None:
    edges, deferred, hidden = _imports(_modules())
    assert _cycles(_merged(edges, deferred)) == [], f"imports inside functions: {hidden}"


def test_the_check_finds_a_cycle_and_a_hidden_import(tmp_path, monkeypatch) -> None:
    """The checks above can fail: a two-module cycle and a function-level import are found."""
    package = tmp_path / "bot"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from bot.b import B\nA = 1\n")
    (package / "b.py").write_text("from bot import a\nB = 2\n\ndef f():\n    from bot.a import A\n    return A\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGES"]), "PACKAGES", ("bot",))
    (package / "c.py").write_text("from bot.d import D\nC = 3\n")
    (package / "d.py").write_text("D = 4\n\ndef g():\n    from bot.c import C\n    return C\n")
    edges, deferred, hidden = _imports(_modules())
    assert _cycles(edges) == [["bot.a", "bot.b"]]
    assert _cycles(_merged(edges, deferred)) == [["bot.a", "bot.b"], ["bot.c", "bot.d"]]
    assert hidden == [f"{Path('bot/b.py')}:5 imports bot.a", f"{Path('bot/d.py')}:4 imports bot.c"]
