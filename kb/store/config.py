"""Finding the knowledge base and reading its `kb.toml`.

A knowledge base is the nearest folder upward holding `kb.toml`, the way git finds a
repository. Every setting has a default, so an empty `kb.toml` is a working knowledge base.
Standard library only: the fast commands read the configuration too.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from kb.records.refs import CommitRef

CONFIG_NAME = "kb.toml"


class ConfigError(Exception):
    """kb.toml is missing or wrong; the message says where and how to fix it."""


class Repository(NamedTuple):
    """A git repository whose commits records may cite."""

    name: str
    path: Path
    default: bool = False


class Output(NamedTuple):
    """One rendered document: a template and where it goes (`{audit}` expands per audit)."""

    template: str
    path: str


DEFAULT_OUTPUTS = (
    Output("audit_report.md.j2", "docs/audits/{audit}.md"),
    Output("infra_anatomy.md.j2", "docs/INFRA_ANATOMY.md"),
    Output("gitops.md.j2", "docs/GITOPS.md"),
    Output("pickup.md.j2", "docs/PICKUP.md"),
)
DEFAULT_TRAILERS = ("Finding", "Action", "Lesson", "Refs")

_REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # the REPO in REPO@HASH
_TRAILER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
_TOP_KEYS = {"records", "templates", "cache", "outputs", "repositories", "site", "link"}
_SITE_KEYS = {"docs_dir", "site_dir"}
_LINK_KEYS = {"trailers"}


class Config(NamedTuple):
    """Settings of one knowledge base, paths made absolute against its root."""

    root: Path
    records: Path
    templates: Path
    cache: Path
    site_docs: Path
    site_dir: Path
    outputs: tuple[Output, ...] = DEFAULT_OUTPUTS
    repositories: tuple[Repository, ...] = ()
    trailers: tuple[str, ...] = DEFAULT_TRAILERS

    @property
    def default_repository(self) -> Repository | None:
        return next((r for r in self.repositories if r.default), None)

    def canonical(self, ref: CommitRef) -> CommitRef:
        """`ref` as kb keeps it: the default repository's commits carry no repository name, so
        `HASH` and `DEFAULT@HASH` are one commit, with one commit record."""
        default = self.default_repository
        return CommitRef(None, ref.hash) if default is not None and ref.repo == default.name else ref

    def repository(self, name: str | None) -> Repository | None:
        """The repository a commit reference names (`None` is the default one)."""
        if name is None:
            return self.default_repository
        return next((r for r in self.repositories if r.name == name), None)


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding kb.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(f"no {CONFIG_NAME} in {start} or any folder above it; run `kb init` to create a knowledge base")


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{CONFIG_NAME}: {where} must be a {names}, not {value!r}")
    return value


def _unknown(table: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise ConfigError(
            f"{CONFIG_NAME}: unknown key(s) {', '.join(extra)} in {where}; known: {', '.join(sorted(allowed))}"
        )


def _repositories(raw: Any, root: Path) -> tuple[Repository, ...]:
    repos = []
    for i, entry in enumerate(_expect(raw, list, "repositories")):
        where = f"repositories[{i}]"
        _expect(entry, dict, where)
        _unknown(entry, {"name", "path", "default"}, where)
        name = _expect(entry.get("name"), str, f"{where}.name")
        if not _REPO_NAME.match(name):
            raise ConfigError(f"{CONFIG_NAME}: {where}.name {name!r} must be letters, digits, '.', '_' or '-'")
        path = root / _expect(entry.get("path", "."), str, f"{where}.path")
        repos.append(Repository(name, path, bool(_expect(entry.get("default", False), bool, f"{where}.default"))))
    if len({r.name for r in repos}) != len(repos):
        raise ConfigError(f"{CONFIG_NAME}: repository names must be unique")
    defaults = [r for r in repos if r.default]
    if len(defaults) > 1:
        raise ConfigError(
            f"{CONFIG_NAME}: only one repository can be the default, not {', '.join(r.name for r in defaults)}"
        )
    if repos and not defaults:
        repos[0] = Repository(repos[0].name, repos[0].path, True)
    return tuple(repos)


def _outputs(raw: Any) -> tuple[Output, ...]:
    outputs = []
    for i, entry in enumerate(_expect(raw, list, "outputs")):
        where = f"outputs[{i}]"
        _expect(entry, dict, where)
        _unknown(entry, {"template", "path"}, where)
        outputs.append(
            Output(
                _expect(entry.get("template"), str, f"{where}.template"),
                _expect(entry.get("path"), str, f"{where}.path"),
            )
        )
    return tuple(outputs)


def load(root: Path) -> Config:
    """Read `root/kb.toml`, filling in defaults; raise ConfigError on anything unknown or mistyped."""
    path = root / CONFIG_NAME
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found; run `kb init {root}` to create it") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: {err}") from None
    _unknown(raw, _TOP_KEYS, "the top level")
    site = _expect(raw.get("site", {}), dict, "site")
    _unknown(site, _SITE_KEYS, "[site]")
    link = _expect(raw.get("link", {}), dict, "link")
    _unknown(link, _LINK_KEYS, "[link]")
    trailers = tuple(_expect(link.get("trailers", list(DEFAULT_TRAILERS)), list, "link.trailers"))
    for trailer in trailers:
        if not (isinstance(trailer, str) and _TRAILER.match(trailer)):
            raise ConfigError(f"{CONFIG_NAME}: link.trailers entry {trailer!r} must be a word like 'Finding' or 'Refs'")
    return Config(
        root=root,
        records=root / _expect(raw.get("records", "records"), str, "records"),
        templates=root / _expect(raw.get("templates", "templates"), str, "templates"),
        cache=root / _expect(raw.get("cache", ".kb-cache"), str, "cache"),
        site_docs=root / _expect(site.get("docs_dir", ".kb-cache/site-docs"), str, "site.docs_dir"),
        site_dir=root / _expect(site.get("site_dir", "site"), str, "site.site_dir"),
        outputs=_outputs(raw["outputs"]) if "outputs" in raw else DEFAULT_OUTPUTS,
        repositories=_repositories(raw.get("repositories", []), root),
        trailers=tuple(str(t) for t in trailers),
    )


def discover(root: Path | None, cwd: Path | None = None) -> Config:
    """The configuration of the knowledge base at `root`, or found upward from `cwd`."""
    if root is not None:
        if not (root / CONFIG_NAME).is_file():
            raise ConfigError(f"{root}: no {CONFIG_NAME} here; run `kb init {root}` to create a knowledge base")
        return load(root.resolve())
    return load(find_root(cwd or Path.cwd()))


def with_repositories(config: Config, overrides: Iterable[str], cwd: Path | None = None) -> Config:
    """`config` with `--repo [NAME=]PATH` options applied for one run.

    `NAME=PATH` moves a configured repository or adds one; a bare `PATH` moves the default
    repository (or adds one named `default` when kb.toml names none). Paths are relative to `cwd`.
    """
    repos = list(config.repositories)
    for text in overrides:
        name, sep, path_text = text.partition("=")
        if not (sep and _REPO_NAME.match(name)):
            name, path_text = "", text
        if not path_text:
            raise ConfigError(f"--repo {text!r}: give PATH or NAME=PATH")
        path = ((cwd or Path.cwd()) / path_text).resolve()
        target = name or next((r.name for r in repos if r.default), "default")
        index = next((i for i, r in enumerate(repos) if r.name == target), None)
        if index is None:
            repos.append(Repository(target, path, default=not any(r.default for r in repos)))
        else:
            repos[index] = Repository(target, path, repos[index].default)
    return config._replace(repositories=tuple(repos))
