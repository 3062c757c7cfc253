"""The package's layout shows the pipeline: a few stage folders, no module name twice, nothing shadowed."""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "kb"
DEPENDENCIES = ("click", "pydantic", "PyYAML", "Jinja2", "GitPython", "mkdocs", "mkdocs-material", "mcp")


def _names() -> list[tuple[str, Path]]:
    """Every module and subpackage of kb by the name it is imported as (its last part)."""
    found = [(p.parent.name, p.parent) for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE]
    found += [(p.stem, p) for p in PACKAGE.rglob("*.py") if p.stem not in ("__init__", "__main__")]
    return found


def _top_level_modules(distribution: str) -> set[str]:
    """The top-level import names a distribution installs (its top_level.txt, else its files)."""
    dist = importlib.metadata.distribution(distribution)
    listed = dist.read_text("top_level.txt")
    if listed:
        return set(listed.split())
    return {Path(str(f)).parts[0].removesuffix(".py") for f in dist.files or () if not str(f).startswith("..")}


def test_the_top_level_names_the_stages() -> None:
    entries = sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__")
    assert len(entries) <= 16, entries
    assert "pipeline.py" in entries and "cli" in entries


def test_no_module_name_is_used_twice() -> None:
    seen: dict[str, list[str]] = {}
    for name, path in _names():
        seen.setdefault(name, []).append(str(path.relative_to(PACKAGE)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}


def test_no_module_shadows_the_standard_library_or_a_dependency() -> None:
    taken = set(sys.stdlib_module_names)
    for distribution in DEPENDENCIES:
        taken |= _top_level_modules(distribution)
    assert "git" in taken and "yaml" in taken  # the lookup works
    assert sorted(name for name, _ in _names() if name in taken) == []


def test_only_one_module_imports_gitpython() -> None:
    importing = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"^\s*(import git\b|from git(\.\w+)* import)", path.read_text(), re.M)
    ]
    assert importing == ["gitlink/gitrepo.py"]
