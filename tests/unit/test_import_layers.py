"""The import drawing of bot/ and actions/: no circles, and each layer imports only downwards.

Read from the source with `ast` (nothing is imported), so the test takes a second and also
sees imports inside functions. Imports under ``if TYPE_CHECKING:`` are left out: they never
run. A package's ``__init__`` importing its own submodules is the ordinary pattern and no
circle; a submodule importing its package back is one.

bot/ has four folders, one per layer (README, "Hoe het werkt"), and ``bot/paths.py``:

- ``bot/domain/``: the domain rules, plain Python; imports only itself and ``bot.paths``,
  never Rasa, rasa_sdk, Sanic, SQLAlchemy or Alembic;
- ``bot/ops/``: settings, persistence, limits, start-up, the command line, evaluations;
  imports the domain, never the Rasa plugins or the web app; Rasa only in the launcher
  ``bot.ops.start``;
- ``bot/rasa_plugins/``: what Rasa's processes load by name (NLU components, channels, stores,
  the broker, the action server's host): the only layer that imports Rasa;
- ``bot/webapp/``: the Sanic web app; talks to Rasa over HTTP only.

The arrows between the layers: ops -> domain; rasa_plugins and webapp -> ops, domain; the
web app and the Rasa plugins never import each other. actions/ (the Rasa action server) sits
above the domain rules and ops; bot/ never imports it. A new module in a layer's folder needs
no edit here; a new top-level module or folder of bot/ fails until it is placed in a layer.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.paths import PROJECT_ROOT

DOMAIN_LAYER, OPS_LAYER, RASA_LAYER, WEB_LAYER = "bot.domain", "bot.ops", "bot.rasa_plugins", "bot.webapp"
LAYERS = (DOMAIN_LAYER, OPS_LAYER, RASA_LAYER, WEB_LAYER)
SHARED = frozenset({"bot", "bot.paths"})  # the package itself and the project's locations
# Which layer may import which (besides itself and SHARED); actions/ is the action server.
ALLOWED = {
    DOMAIN_LAYER: frozenset(),
    OPS_LAYER: frozenset({DOMAIN_LAYER}),
    RASA_LAYER: frozenset({DOMAIN_LAYER, OPS_LAYER}),
    WEB_LAYER: frozenset({DOMAIN_LAYER, OPS_LAYER}),
    "actions": frozenset({DOMAIN_LAYER, OPS_LAYER}),
}
# Outside bot.rasa_plugins only the launcher imports Rasa (to keep its warning filters).
RASA_OUTSIDE_PLUGINS = frozenset({"bot.ops.start"})
RASA_PACKAGES = frozenset({"rasa", "rasa_sdk"})
WEB_PACKAGES = frozenset({"sanic"})
DB_PACKAGES = frozenset({"sqlalchemy", "alembic"})


@dataclass
class ImportGraph:
    """Project modules -> the project modules and the outside top-level packages they import."""

    inside: dict[str, set[str]] = field(default_factory=dict)
    outside: dict[str, set[str]] = field(default_factory=dict)

    def reachable(self, module: str) -> set[str]:
        """Every project module `module` imports, directly or through others."""
        seen: set[str] = set()
        todo = [module]
        while todo:
            for dep in self.inside[todo.pop()]:
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen

    def circles(self) -> list[list[str]]:
        """Groups of modules that import each other round (Tarjan's strongly connected
        components of more than one module, or a module importing itself)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[list[str]] = []

        def visit(module: str) -> None:
            index[module] = low[module] = len(index)
            stack.append(module)
            on_stack.add(module)
            for dep in sorted(self.inside[module]):
                if dep not in index:
                    visit(dep)
                    low[module] = min(low[module], low[dep])
                elif dep in on_stack:
                    low[module] = min(low[module], index[dep])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1 or module in self.inside[module]:
                    found.append(sorted(group))

        for module in sorted(self.inside):
            if module not in index:
                visit(module)
        return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def build_graph(sources: dict[str, tuple[str, bool]]) -> ImportGraph:
    """The graph of `sources`: module name -> (source text, is a package ``__init__``)."""
    graph = ImportGraph()

    def project_module(name: str) -> str | None:
        while name and name not in sources:
            name = name.rpartition(".")[0]
        return name or None

    for module, (text, is_package) in sources.items():
        tree = ast.parse(text)
        skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node)
                   for branch in node.body for n in ast.walk(branch)}
        package = module if is_package else module.rpartition(".")[0]
        inside: set[str] = set()
        outside: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join([*parts, base] if base else parts)
                names = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                target = project_module(name)
                if target is not None:
                    inside.add(target)
                else:
                    outside.add(name.split(".")[0])
        graph.inside[module] = inside - ({module} if is_package else set())
        graph.outside[module] = outside
    return graph


def _project_sources() -> dict[str, tuple[str, bool]]:
    sources = {}
    for folder in ("bot", "actions"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            sources[".".join(parts)] = (Path(path).read_text(encoding="utf-8"), is_package)
    return sources


GRAPH = build_graph(_project_sources())
BOT = sorted(m for m in GRAPH.inside if m == "bot" or m.startswith("bot."))


def layer_of(module: str) -> str | None:
    """The layer (package name) of a project module; None for SHARED and anything unplaced."""
    for layer in (*LAYERS, "actions"):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def members(layer: str) -> list[str]:
    return [m for m in sorted(GRAPH.inside) if layer_of(m) == layer]


DOMAIN = members(DOMAIN_LAYER)
RASA_PLUGINS = frozenset(members(RASA_LAYER))
WEB_APP = frozenset(members(WEB_LAYER))


def test_the_graph_holds_the_project() -> None:
    assert {"bot.domain.vocabulary", "bot.ops.intake.store", "actions.common", "bot.webapp.app",
            "bot.rasa_plugins.stores"} <= set(GRAPH.inside)
    assert "bot.domain.life_domains" in GRAPH.inside["bot.domain.intake_draft"]
    assert "bot.domain.life_domains" in GRAPH.reachable("bot.ops.intake.store")
    assert all(members(layer) for layer in LAYERS)


def test_bot_holds_the_four_layer_folders_and_nothing_else() -> None:
    top = sorted(p.name for p in (PROJECT_ROOT / "bot").iterdir() if p.name != "__pycache__")
    assert top == ["__init__.py", "domain", "ops", "paths.py", "rasa_plugins", "webapp"]
    assert [m for m in BOT if m not in SHARED and layer_of(m) is None] == []


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_says_what_it_is_and_what_it_may_import(layer: str) -> None:
    init = PROJECT_ROOT / Path(*layer.split(".")) / "__init__.py"
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    assert "may import" in docstring.lower(), f"{init}: say what the layer may import"


def test_no_module_imports_another_that_imports_it_back() -> None:
    assert GRAPH.circles() == []


def test_each_layer_imports_only_the_layers_below_it() -> None:
    upward = sorted(
        f"{module} -> {dep}"
        for module in GRAPH.inside
        if (layer := layer_of(module)) is not None
        for dep in GRAPH.inside[module]
        if dep not in SHARED and layer_of(dep) not in ALLOWED[layer] | {layer}
    )
    assert upward == []


def test_bot_never_imports_the_actions() -> None:
    assert [m for m in BOT if any(dep.startswith("actions") for dep in GRAPH.inside[m])] == []


def test_the_web_app_and_the_rasa_plugins_never_import_each_other() -> None:
    crossing = sorted(
        f"{module} -> {dep}"
        for module in WEB_APP | RASA_PLUGINS
        for dep in GRAPH.inside[module]
        if (module in WEB_APP and dep in RASA_PLUGINS) or (module in RASA_PLUGINS and dep in WEB_APP)
    )
    assert crossing == []


def test_only_the_rasa_plugins_import_rasa() -> None:
    importers = [m for m in BOT if m not in RASA_PLUGINS | RASA_OUTSIDE_PLUGINS and GRAPH.outside[m] & RASA_PACKAGES]
    assert importers == [], "Rasa code belongs in bot/rasa_plugins/ (and in the README's layer list)"


def test_the_web_app_reaches_rasa_over_http_only() -> None:
    reached = {m for web in WEB_APP for m in GRAPH.reachable(web) | {web}}
    assert sorted(p for m in reached for p in GRAPH.outside[m] & RASA_PACKAGES) == []
    assert sorted(m for m in reached if m.startswith("actions")) == []


@pytest.mark.parametrize("module", DOMAIN)
def test_a_domain_module_imports_only_the_domain_and_no_rasa_web_or_database(module: str) -> None:
    reached = GRAPH.reachable(module) | {module}
    outside_the_domain = sorted(m for m in reached if m not in SHARED and layer_of(m) != DOMAIN_LAYER)
    heavy = sorted(p for m in reached for p in GRAPH.outside[m] & (RASA_PACKAGES | WEB_PACKAGES | DB_PACKAGES))
    assert (outside_the_domain, heavy) == ([], [])


# --- the graph builder itself, on small made-up packages ------------------------------------

@pytest.mark.parametrize(("sources", "circles"), [
    ({"p.a": ("import p.b", False), "p.b": ("from p import a", False), "p": ("", True)}, [["p.a", "p.b"]]),
    ({"p.a": ("from p.b import x", False), "p.b": ("from p.c import y", False),
      "p.c": ("from . import a", False), "p": ("", True)}, [["p.a", "p.b", "p.c"]]),
    ({"p.a": ("from .b import x", False), "p.b": ("def f():\n    from p.a import y", False), "p": ("", True)},
     [["p.a", "p.b"]]),
    ({"p": ("from p.a import x", True), "p.a": ("import os", False)}, []),
    ({"p": ("from p.a import x", True), "p.a": ("from p import y", False)}, [["p", "p.a"]]),
    ({"p.a": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from p.b import B", False),
      "p.b": ("from p.a import x", False), "p": ("", True)}, []),
    ({"p.a": ("import p.b", False), "p.b": ("import os", False), "p": ("", True)}, []),
])
def test_the_builder_finds_circles(sources: dict[str, tuple[str, bool]], circles: list[list[str]]) -> None:
    assert build_graph(sources).circles() == circles


def test_the_builder_separates_project_and_outside_imports() -> None:
    graph = build_graph({"p.a": ("import rasa.core\nfrom sanic import Sanic\nfrom p.b import c", False),
                         "p.b": ("", False), "p": ("", True)})
    assert graph.inside["p.a"] == {"p.b"}
    assert graph.outside["p.a"] == {"rasa", "sanic"}
