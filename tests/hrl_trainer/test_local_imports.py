"""One house: in hrl_trainer an import inside a function only defers torch (it names torch, or a module that
imports torch at its top), says so in a comment on its line, and no import cycle hides behind one."""

from __future__ import annotations

import ast
import graphlib
import io
import tokenize
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "hrl_trainer"
DEFERRED = "torch"
"""The one package worth importing inside a function: a process that only lists models never loads it."""

# TODO(lead): empty after merging the branches that edit these files, so that they are checked too.
TODO_FILES_EDITED_ELSEWHERE: tuple[str, ...] = ()


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(body: list[ast.stmt], in_function: bool = False):
    """(import statement, inside a function?) for each import run when `body` runs or its functions are
    called; TYPE_CHECKING blocks, never run, left out."""
    for node in body:
        if is_type_checking(node):
            yield from imports(node.orelse, in_function)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, in_function
        else:
            inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, field, None) or []:
                    yield from imports(
                        child.body if isinstance(child, (ast.ExceptHandler, ast.match_case)) else [child], inner
                    )


def targets(node: ast.Import | ast.ImportFrom, current: str, is_package: bool, known: set[str]) -> list[str]:
    """The modules an import statement of module `current` loads itself (`from pkg import sub`: the submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = current.split(".")[: None if is_package else -1]
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join([*parts, base] if base else parts)
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]


def read_package(root: Path = PACKAGE) -> dict[str, tuple[Path, str, ast.Module]]:
    """Each module of the package at `root`, by name: (its file, its text, its tree)."""
    return {
        module_name(path, root): (path, text, ast.parse(text))
        for path in sorted(root.rglob("*.py"))
        for text in [path.read_text()]
    }


def resolve(target: str, known: set[str]) -> str:
    """The module `target` names (`pkg.mod.Class`: pkg.mod), or the outside package's top-level name."""
    while target not in known and "." in target:
        target = target.rpartition(".")[0]
    return target if target in known else target.split(".")[0]


def import_graph(package: dict) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(what each module imports at its top, what it imports anywhere): project modules and the top-level
    names of outside packages."""
    known = set(package)
    top: dict[str, set[str]] = {name: set() for name in package}
    anywhere: dict[str, set[str]] = {name: set() for name in package}
    for name, (path, _, tree) in package.items():
        for node, in_function in imports(tree.body):
            for target in targets(node, name, path.name == "__init__.py", known):
                target = resolve(target, known)
                anywhere[name].add(target)
                if not in_function:
                    top[name].add(target)
    return top, anywhere


def loading_torch(top: dict[str, set[str]]) -> set[str]:
    """The project modules that import torch at their top (themselves or through what they import there)."""
    found: set[str] = set()
    for start in top:
        seen, todo = set(), [start]
        while todo:
            module = todo.pop()
            if module in seen:
                continue
            seen.add(module)
            parents = [module.rsplit(".", i)[0] for i in range(1, module.count(".") + 1)]  # imported first
            todo.extend(top.get(module, ()))
            todo.extend(parents)
        if DEFERRED in seen:
            found.add(start)
    return found


NEEDS_COMMENT = "a function-local import needs a comment on its line saying why (`# torch, only when ...`)"


def comment_lines(text: str) -> set[int]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return {token.start[0] for token in tokens if token.type == tokenize.COMMENT}


def local_import_faults(package: dict, skipped: tuple[str, ...] = ()) -> list[str]:
    """`path:line: why` for each function-local import that defers no torch, or says nothing on its line."""
    top, _ = import_graph(package)
    heavy = loading_torch(top) | {DEFERRED}
    faults = []
    for name, (path, text, tree) in package.items():
        where = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name
        if where.startswith(skipped):
            continue
        commented = comment_lines(text)
        for node, in_function in imports(tree.body):
            if not in_function:
                continue
            light = [
                target
                for target in targets(node, name, path.name == "__init__.py", set(package))
                if resolve(target, set(package)) not in heavy
            ]
            if light:
                faults.append(
                    f"{where}:{node.lineno}: imports {', '.join(light)} inside a function, which defers "
                    "no torch: move it to the top of the module"
                )
            elif not commented & set(range(node.lineno, node.end_lineno + 1)):
                faults.append(f"{where}:{node.lineno}: {NEEDS_COMMENT}")
    return faults


def import_cycle(package: dict) -> list[str] | None:
    """One cycle of the project's imports, counting function-local ones (a package's imports of its own
    children aside: they re-export), or None."""
    _, anywhere = import_graph(package)
    graph = {
        name: {t for t in deps if t in package and t != name and not t.startswith(name + ".")}
        for name, deps in anywhere.items()
    }
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        return exc.args[1]
    return None


@pytest.fixture(scope="module")
def package() -> dict:
    return read_package()


def test_the_torch_modules_are_computed_from_the_imports(package):
    top, _ = import_graph(package)
    torch_modules = loading_torch(top)
    assert {"hrl_trainer.agents.networks", "hrl_trainer.evaluation.scoring", "hrl_trainer.learn.flat"} <= torch_modules
    assert (
        not {
            "hrl_trainer",
            "hrl_trainer.store.checkpoints",
            "hrl_trainer.store.runs",
            "hrl_trainer.env.simulation",
            "hrl_trainer.use.flat_store",
        }
        & torch_modules
    )


def test_function_local_imports_only_defer_torch_and_say_so(package):
    assert local_import_faults(package, TODO_FILES_EDITED_ELSEWHERE) == []


def test_no_import_cycle_counting_function_local_imports(package):
    assert import_cycle(package) is None


FAKE = {
    "heavy.py": "import torch\n",
    "light.py": "import json\n",
    "uses.py": """from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from fake import light
def fine():
    import torch  # torch, only when it acts
    from fake.heavy import x  # torch, as above
def uncommented():
    from fake import heavy
def needless():
    from fake.light import y  # no torch here
    import numpy as np  # NumPy is not torch
""",
}


def test_the_check_names_each_faulty_import(tmp_path):
    folder = tmp_path / "fake"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for file, text in FAKE.items():
        (folder / file).write_text(text)
    fake = read_package(folder)
    assert local_import_faults(fake) == [
        "uses.py:8: " + NEEDS_COMMENT,
        "uses.py:10: imports fake.light inside a function, which defers no torch: move it to the top of the module",
        "uses.py:11: imports numpy inside a function, which defers no torch: move it to the top of the module",
    ]
    assert import_cycle(fake) is None
    (folder / "light.py").write_text("def later():\n    from fake import uses  # a cycle all the same\n")
    assert import_cycle(read_package(folder)) in (
        ["fake.uses", "fake.light", "fake.uses"],
        ["fake.light", "fake.uses", "fake.light"],
    )
