"""Checkpoints are only ever unpickled the safe way: every ``torch.load`` in the service and the
trainer passes ``weights_only=True`` (a source check, so a new call site cannot slip in)."""

from __future__ import annotations

import ast

from tests.live_server import REPO

SOURCES = [REPO / "app.py", *sorted((REPO / "hrl_api").rglob("*.py")), *sorted((REPO / "hrl_trainer").rglob("*.py"))]


def torch_load_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "load"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "torch"
    ]


def test_every_torch_load_passes_weights_only_true():
    calls = {path: torch_load_calls(ast.parse(path.read_text(), str(path))) for path in SOURCES}
    assert any(calls.values()), "no torch.load found: the check looks in the wrong place"
    unsafe = [
        f"{path.relative_to(REPO)}:{call.lineno}"
        for path, found in calls.items()
        for call in found
        if not any(
            k.arg == "weights_only" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in call.keywords
        )
    ]
    assert not unsafe, f"torch.load without weights_only=True: {unsafe}"
