"""Finding the knowledge base and reading its `kb.toml`.

A knowledge base is the nearest folder upward holding `kb.toml`, the way git finds a
repository. Every setting has a default (kb/store/settings.py declares them), so an empty
`kb.toml` is a working knowledge base. Standard library only: the fast commands read the
configuration too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kb.records.refs import CommitRef
from kb.store import inputs, settings
from kb.store.settings import REPO_NAME

if TYPE_CHECKING:
    from kb.check.diagnostics import Code, Diagnostic

CONFIG_NAME = "kb.toml"
MAX_BYTES = 1024 * 1024
"""Largest kb.toml read (a settings file is a few hundred bytes)."""
MAX_DEPTH = 64
"""Deepest nesting of arrays and inline tables that is reported where it is."""


class ConfigError(Exception):
    """No usable configuration: kb.toml is missing, unreadable or invalid, or an override is wrong.

    `diagnostics` holds every problem found in kb.toml, each at its line; the message lists them all.
    """

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = list(diagnostics)

    @classmethod
    def of(cls, diagnostics: Sequence[Diagnostic]) -> ConfigError:
        return cls("\n".join([f"{CONFIG_NAME} cannot be used:", *(d.format() for d in diagnostics)]), diagnostics)


class Repository(NamedTuple):
    """A git repository whose commits records may cite."""

    name: str
    path: Path
    default: bool = False


class Output(NamedTuple):
    """One rendered document: a template and where it goes (`{audit}` expands per audit), or,
    with a `region`, the part of a hand-written file between that region's markers."""

    template: str
    path: str
    region: str | None = None
    max_bytes: int = settings.default("outputs.max_bytes")
    """The budget of the agent context it lists (`agent.lessons`, `agent.pickup`)."""


DEFAULT_OUTPUTS = tuple(Output(**output) for output in settings.default("outputs"))
DEFAULT_TRAILERS: tuple[str, ...] = settings.default("link.trailers")


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
    ignore: frozenset[Code] = frozenset()
    """Warning codes no verb reports: kb.toml's `[diagnostics] ignore` and this run's `--ignore`."""
    synonyms: tuple[str, ...] = ()
    """kb.toml's `[search] synonyms`: groups of words added to kb's own table."""

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
        if (folder / CONFIG_NAME).exists():
            return folder
    raise ConfigError(f"no {CONFIG_NAME} in {start} or any folder above it; run `kb init` to create a knowledge base")


def _problem(line: int, column: int, message: str) -> ConfigError:
    from kb.check.diagnostics import Code, Diagnostic

    return ConfigError.of([Diagnostic(CONFIG_NAME, line, column, Code.E601, "", message)])


def read(path: Path) -> dict[str, Any]:
    """kb.toml's settings, checked; ConfigError with every problem, each at its line."""
    try:
        raw = inputs.read_bytes(path, MAX_BYTES)
    except IsADirectoryError:
        raise _problem(0, 0, "is a folder, not a file") from None
    except OSError as err:
        raise _problem(0, 0, f"cannot read it: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - raw.rfind(b"\n", 0, err.start)
        raise _problem(line, column, f"not UTF-8 text: {err.reason} at byte {err.start}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        from kb.store.tomlpos import error_position

        message, (line, column) = error_position(err, text)
        raise _problem(line, column, f"TOML syntax: {message}") from None
    except RecursionError:
        from kb.store.tomlpos import too_deep

        line, column = too_deep(text, MAX_DEPTH)
        raise _problem(line, column, f"arrays or tables nested more than {MAX_DEPTH} levels deep") from None
    problems = settings.check(document, text, CONFIG_NAME)
    if problems:
        raise ConfigError.of(problems)
    return document


def load(root: Path) -> Config:
    """Read `root/kb.toml`, filling in defaults; ConfigError with every problem found."""
    path = root / CONFIG_NAME
    if not path.exists():
        raise ConfigError(f"{root}: no {CONFIG_NAME} here; run `kb init {root}` to create a knowledge base")
    document = read(path)
    repos = [
        Repository(
            entry["name"],
            root / entry.get("path", settings.default("repositories.path")),
            entry.get("default", settings.default("repositories.default")),
        )
        for entry in settings.value(document, "repositories")
    ]
    if repos and not any(r.default for r in repos):
        repos[0] = repos[0]._replace(default=True)

    def folder(key: str) -> Path:
        relative: str = settings.value(document, key)
        return root / relative

    return Config(
        root=root,
        records=folder("records"),
        templates=folder("templates"),
        cache=folder("cache"),
        site_docs=folder("site.docs_dir"),
        site_dir=folder("site.site_dir"),
        outputs=tuple(_output(output) for output in settings.value(document, "outputs")),
        repositories=tuple(repos),
        trailers=tuple(settings.value(document, "link.trailers")),
        ignore=_codes(settings.value(document, "diagnostics.ignore")),
        synonyms=tuple(settings.value(document, "search.synonyms")),
    )


def _output(table: dict[str, Any]) -> Output:
    """An `[[outputs]]` table checked against the settings, its defaults filled in."""
    region = table.get("region", settings.default("outputs.region"))
    budget = table.get("max_bytes", settings.default("outputs.max_bytes"))
    return Output(table["template"], table["path"], region or None, budget)


def _codes(texts: Iterable[str]) -> frozenset[Code]:
    """The warning codes `texts` name; ValueError for one that names none."""
    texts = list(texts)
    if not texts:
        return frozenset()  # spares the fast commands the table of codes
    from kb.check.diagnostics import ignorable

    return frozenset(map(ignorable, texts))


def position(config: Config, key: tuple[str | int, ...]) -> tuple[int, int]:
    """Where setting `key` is written in the knowledge base's kb.toml (its table's place when it
    is not; (0, 0) for a default), for a problem found after reading."""
    from kb.store import tomlpos

    try:
        text = (config.root / CONFIG_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return (0, 0)
    return tomlpos.locate(tomlpos.positions(text), key)


def discover(root: Path | None, cwd: Path | None = None) -> Config:
    """The configuration of the knowledge base at `root`, or found upward from `cwd`."""
    if root is not None:
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
        if not (sep and REPO_NAME.match(name)):
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


def with_ignored(config: Config, codes: Iterable[str]) -> Config:
    """`config` also silencing the warnings `--ignore CODE` names for one run."""
    try:
        return config._replace(ignore=config.ignore | _codes(codes))
    except ValueError as err:
        raise ConfigError(f"--ignore: {err}") from None
