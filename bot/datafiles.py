"""Loading ops-edited YAML files with errors that name the file and line.

Ops staff edit the catalogue and promotion rules by hand. When a file is wrong the bot
must say exactly where ("shop/products.yaml:14: price: ..."), so YAML is composed into
nodes first, each value's line remembered by its path, and pydantic errors are mapped
back to those lines. Numbers with a decimal point load as Decimal, never float, so
"39.90" and 39.90 mean the same exact amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

T = TypeVar("T")
PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class DataError:
    """One problem in one data file: where it is and what is wrong, in plain words."""

    file: Path
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.reason}"


class DataFileError(Exception):
    """Raised with every problem found, so ops fix a file in one pass."""

    def __init__(self, errors: list[DataError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class _DecimalLoader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimals taken from the source text."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    try:
        return Decimal(str(text).replace("_", ""))
    except ArithmeticError:
        return loader.construct_yaml_float(node)


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


@dataclass(frozen=True)
class LoadedYaml:
    path: Path
    data: Any
    lines: dict[PathKey, int]

    def line_of(self, loc: PathKey) -> int | None:
        """The line of the deepest known node on `loc` (1-based)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


def _to_python(node: yaml.Node, loader: _DecimalLoader, path: PathKey, lines: dict[PathKey, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise DataFileError([DataError(Path(), key_node.start_mark.line + 1, f"duplicate key {key!r}")])
            out[key] = _to_python(value_node, loader, (*path, str(key)), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, loader, (*path, i), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_yaml(path: Path) -> LoadedYaml:
    """Parse one YAML file, keeping the line of every value."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError([DataError(path, None, f"cannot read file: {exc.strerror or exc}")]) from exc
    except UnicodeDecodeError as exc:
        raise DataFileError([DataError(path, None, f"not UTF-8 text: {exc.reason}")]) from exc
    loader = _DecimalLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[PathKey, int] = {}
        data = None if node is None else _to_python(node, loader, (), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise DataFileError([DataError(path, line, f"YAML syntax: {exc.problem or exc}")]) from exc
    except DataFileError as exc:
        raise DataFileError([DataError(path, e.line, e.reason) for e in exc.errors]) from exc
    finally:
        loader.dispose()
    return LoadedYaml(path, data, lines)


def _describe(err: dict[str, Any]) -> str:
    field = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or "file"
    message = str(err["msg"])
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if err["type"] == "missing":
        return f"{field}: required field is missing"
    if err["type"] == "extra_forbidden":
        return f"{field}: unknown field (check the spelling)"
    return f"{field}: {message}"


def validate(loaded: LoadedYaml, model: type[T] | TypeAdapter[T], root: PathKey = ()) -> T:
    """Validate `loaded.data` (or the part at `root`) against a model; errors carry lines."""
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    data: Any = loaded.data
    for key in root:
        data = data[key]
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise DataFileError(
            [DataError(loaded.path, loaded.line_of((*root, *err["loc"])), _describe(err))
             for err in exc.errors(include_url=False)]
        ) from exc


def load_model(path: Path, model: type[T] | TypeAdapter[T]) -> T:
    """Load and validate one file in one step."""
    return validate(load_yaml(path), model)


class StrictModel(BaseModel):
    """Base for data-file models: unknown fields are errors, values are immutable."""

    model_config = {"extra": "forbid", "frozen": True}
