"""The one reader of the `HRL_*` environment variables (`hrl_trainer.common.environment`): nothing else in
the code reads one, its values are typed, and docs/server.md lists exactly its table."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hrl_trainer.common import environment
from hrl_trainer.common.environment import (
    CORS_ORIGINS,
    PORT,
    SCENARIOS_DIR,
    STOP_TIMEOUT,
    VARIABLES,
    EnvironmentSettingError,
    check_environment,
)

REPO = Path(__file__).resolve().parents[3]
READER = Path(environment.__file__).resolve()
SCANNED = [REPO / "app.py", *sorted((REPO / "hrl_trainer").rglob("*.py")), *sorted((REPO / "hrl_api").rglob("*.py"))]


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` or a bare ``environ``."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _is_getenv(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "getenv") or (
        isinstance(node, ast.Name) and node.id == "getenv"
    )


def _may_be_hrl(key: ast.AST | None) -> bool:
    """Whether a key read from the environment may be an HRL_ variable: any key but a literal naming another one."""
    return not (isinstance(key, ast.Constant) and isinstance(key.value, str) and not key.value.startswith("HRL_"))


def environment_reads(source: str) -> list[int]:
    """Lines of `source` that read one variable of the environment which may be an `HRL_*` one
    (``os.environ.get(k)``, ``os.environ[k]``, ``k in os.environ``, ``os.getenv(k)``); copying the whole
    environment for a child process, or writing a variable, is not reading one."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        key: ast.AST | None = None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and _is_environ(node.func.value)
            and node.func.attr in {"get", "pop", "setdefault"}
        ):
            key = node.args[0] if node.args else None
        elif isinstance(node, ast.Call) and _is_getenv(node.func):
            key = node.args[0] if node.args else None
        elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
            key = node.slice
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            key = node.left
        else:
            continue
        if _may_be_hrl(key):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize(
    ("source", "read"),
    [
        ('os.environ.get("HRL_PORT", "8000")', True),
        ("os.environ.get(name)", True),
        ('os.environ["HRL_API_TOKEN"]', True),
        ('"HRL_BROKER_URL" in os.environ', True),
        ('os.getenv("HRL_HOST")', True),
        ('environ.get("HRL_MODELS_DIR")', True),
        ('os.environ["OMP_NUM_THREADS"] = "1"', False),
        ('env = {**os.environ, "HRL_BROKER_URL": url}', False),
        ("env = dict(os.environ)", False),
        ('os.environ.get("CI")', False),
    ],
)
def test_the_scan_finds_reads_of_hrl_variables(source: str, read: bool) -> None:
    assert bool(environment_reads(source)) is read


def test_only_the_environment_module_reads_hrl_variables() -> None:
    assert READER in SCANNED and len(SCANNED) > 100
    found = {
        str(path.relative_to(REPO)): lines
        for path in SCANNED
        if path != READER
        for lines in [environment_reads(path.read_text())]
        if lines
    }
    assert not found, f"read HRL_* variables through hrl_trainer.common.environment, not os.environ: {found}"


def test_docs_list_exactly_the_modules_variables() -> None:
    server_docs = (REPO / "docs" / "server.md").read_text()
    section = server_docs.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    assert table == environment.markdown_table(), (
        "docs/server.md's table, as it should read:\n" + environment.markdown_table()
    )
    assert [line.split("`")[1] for line in table.splitlines()[2:]] == [v.name for v in VARIABLES]


def test_every_variable_is_named_once_and_prefixed() -> None:
    names = [variable.name for variable in VARIABLES]
    assert len(set(names)) == len(names) == 16
    assert all(name.startswith("HRL_") for name in names)
    assert {name for name in dir(environment) if isinstance(getattr(environment, name), environment.Variable)} == {
        name.removeprefix("HRL_") for name in names
    }


def test_values_are_typed_and_blank_means_the_default() -> None:
    assert PORT.value({"HRL_PORT": " 8123 "}) == 8123
    assert PORT.value({"HRL_PORT": "   "}) == PORT.value({}) == 8000
    assert STOP_TIMEOUT.value({"HRL_STOP_TIMEOUT": "2.5"}) == 2.5
    assert CORS_ORIGINS.value({"HRL_CORS_ORIGINS": "http://a, http://b,"}) == ["http://a", "http://b"]
    assert CORS_ORIGINS.value({}) is None
    assert SCENARIOS_DIR.value({"HRL_SCENARIOS_DIR": "/srv/homes"}) == Path("/srv/homes")


def test_a_value_not_of_its_type_names_the_variable() -> None:
    with pytest.raises(EnvironmentSettingError, match=r"HRL_PORT is not a valid integer: 'eighty'"):
        PORT.value({"HRL_PORT": "eighty"})
    with pytest.raises(EnvironmentSettingError) as raised:
        check_environment({"HRL_PORT": "x", "HRL_HEARTBEAT_TIMEOUT": "soon", "HRL_HOST": "0.0.0.0"})
    assert (
        str(raised.value) == "HRL_PORT is not a valid integer: 'x'; HRL_HEARTBEAT_TIMEOUT is not a valid number: 'soon'"
    )
    check_environment({"HRL_PORT": "8001"})
