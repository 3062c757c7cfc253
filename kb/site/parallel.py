"""MkDocs' build with its two per-page loops shared among the machine's cores.

MkDocs (`mkdocs.commands.build.build`) converts every page's Markdown, then renders every
page through the theme and writes it. For thousands of record pages these two loops are
nearly all of the build, and each page's work depends on no other page's. `build` here
runs the same steps in the same order with MkDocs' own functions, except that it forks
worker processes (after the configuration, files and navigation are loaded, so the workers
share them) for the Markdown conversion and again for the page writing. Everything that spans
pages stays in the parent: reading the sources and the `page_markdown` event (Material's tags
plugin collects its tags there), `env` (the tag listings), the theme's own templates, anchor
validation, `post_build` (the search index and sitemap). What a worker produces comes back to
the parent in page order: the converted page, the search entries, and every log record, which
the parent logs again so a strict build still fails on a broken link found in a worker.

The site is the same as MkDocs' serial build writes (tests compare every file). Only
plugins whose per-page state is carried back are allowed (Material's search and tags);
with any other plugin, without fork, or for a small site, MkDocs' own build runs.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from typing import Any

from mkdocs import utils
from mkdocs.commands import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page

PARALLEL_MIN = 250
"""Pages per worker process below which forking costs more than it saves."""
PLUGINS = frozenset({"material/search", "material/tags"})
"""Plugins whose per-page state the workers carry back to the parent (search entries; the
tags plugin keeps state only in the events the parent runs)."""
CHUNKS_PER_WORKER = 8

log = logging.getLogger("mkdocs.commands.build")

LogEntry = tuple[str, int, str]
"""A log record a worker made: logger name, level and message."""


def workers(config: MkDocsConfig, pages: int) -> int:
    """How many processes to build `pages` pages with; 1 means MkDocs' own serial build."""
    if "fork" not in multiprocessing.get_all_start_methods() or set(config.plugins) - PLUGINS:
        return 1
    return max(min(os.cpu_count() or 1, pages // PARALLEL_MIN), 1)


def build(config: MkDocsConfig, processes: int) -> None:
    """Build the site as `mkdocs build` does, with `processes` processes (1: MkDocs' own build)."""
    if processes < 2:
        mkdocs_build.build(config, dirty=False)
        return
    logger = logging.getLogger("mkdocs")
    warning_counter = utils.CountHandler()
    warning_counter.setLevel(logging.WARNING)
    if config.strict:
        logger.addHandler(warning_counter)
    try:
        _build(config, processes)
        if counts := warning_counter.get_counts():
            msg = ", ".join(f"{v} {k.lower()}s" for k, v in counts)
            raise Abort(f"Aborted with {msg} in strict mode!")
    except Exception as err:
        config.plugins.on_build_error(error=err)
        if isinstance(err, BuildError):
            log.error(str(err))
            raise Abort("Aborted with a BuildError!") from None
        raise
    finally:
        logger.removeHandler(warning_counter)


def _build(config: MkDocsConfig, processes: int) -> None:
    """The body of `mkdocs.commands.build.build` (MkDocs 1.6) for a clean, non-serve build."""
    inclusion = InclusionLevel.is_included
    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    utils.clean_directory(config.site_dir)

    files = get_files(config)
    env = config.theme.get_env()
    files.add_files_from_theme(env, config)
    files = config.plugins.on_files(files, config=config)
    set_exclusions(files, config)
    nav = get_navigation(files, config)
    nav = config.plugins.on_nav(nav, config=config, files=files)

    pages: list[Page] = []
    for file in files.documentation_pages(inclusion=inclusion):
        if file.page is None and file.inclusion.is_not_in_nav():  # type: ignore[no-untyped-call]
            Page(None, file, config)
        assert file.page is not None
        _read(file.page, config, files)
        pages.append(file.page)

    def convert(page: Page) -> tuple[Any, ...]:
        _convert(page, config, files)
        return _converted(page)

    for page, state in zip(pages, _shared(pages, convert, processes), strict=True):
        _restore(page, state, files)
        assert page.content is not None
        page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)

    env = config.plugins.on_env(env, config=config, files=files)
    files.copy_static_files(dirty=False, inclusion=inclusion)
    for template in config.theme.static_templates:
        mkdocs_build._build_theme_template(template, env, files, config, nav)
    for template in config.extra_templates:
        mkdocs_build._build_extra_template(template, files, config, nav)

    doc_files = files.documentation_pages(inclusion=inclusion)
    search = config.plugins.get("material/search")
    entries: list[Any] = search.search_index.entries if search is not None else []

    def write(page: Page) -> list[Any]:
        before = len(entries)
        excluded = page.file.inclusion.is_excluded()  # type: ignore[no-untyped-call]
        mkdocs_build._build_page(page, config, doc_files, nav, env, excluded=excluded)
        added = entries[before:]
        del entries[before:]
        return added

    built = [file.page for file in doc_files if file.page is not None]
    for added in _shared(built, write, processes):
        entries.extend(added)

    for page in built:
        page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
    config.plugins.on_post_build(config=config)


def _read(page: Page, config: MkDocsConfig, files: Files) -> None:
    """The first half of MkDocs' `_populate_page`: events before conversion and the source."""
    config._current_page = page
    try:
        page = config.plugins.on_pre_page(page, config=config, files=files)
        page.read_source(config)
        assert page.markdown is not None
        page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
    except Exception as err:
        _log_page_error("Error reading page", page, err)
        raise
    finally:
        config._current_page = None


def _convert(page: Page, config: MkDocsConfig, files: Files) -> None:
    """The second half of MkDocs' `_populate_page`, up to `page_content` (which the parent runs)."""
    config._current_page = page
    try:
        page.render(config, files)
    except Exception as err:
        _log_page_error("Error reading page", page, err)
        raise
    finally:
        config._current_page = None


def _log_page_error(what: str, page: Page, err: Exception) -> None:
    message = f"{what} '{page.file.src_uri}':"
    if not isinstance(err, BuildError):
        message += f" {err}"
    log.error(message)


def _converted(page: Page) -> tuple[Any, ...]:
    """What `Page.render` set on a page, in a form that pickles (files by source path)."""
    links = page.__dict__.get("links_to_anchors")
    by_uri = None if links is None else {file.src_uri: anchors for file, anchors in links.items()}
    return (
        page.content,
        page.toc,
        page._title_from_render,
        page.present_anchor_ids,
        "links_to_anchors" in page.__dict__,
        by_uri,
    )


def _restore(page: Page, state: tuple[Any, ...], files: Files) -> None:
    """Set what a worker's `Page.render` produced on the parent's page."""
    page.content, page.toc, page._title_from_render, page.present_anchor_ids, has_links, by_uri = state
    if has_links:
        page.links_to_anchors = {_file(files, uri): anchors for uri, anchors in (by_uri or {}).items()}


def _file(files: Files, uri: str) -> File:
    found = files.get_file_from_path(uri)
    assert found is not None, uri
    return found


# --- sharing the pages among worker processes ------------------------------------------

_job: tuple[list[Page], Callable[[Page], Any]] | None = None
"""The pages and the work of the current `_shared` call, inherited by the forked workers."""


class _Capture(logging.Handler):
    """Every record a worker logs under `mkdocs`, kept to be logged again by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.entries: list[LogEntry] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.entries.append((record.name, record.levelno, record.getMessage()))


def _work(indices: list[int]) -> tuple[list[tuple[Any, list[LogEntry]]], BaseException | None]:
    """In a worker: run the job on these pages; each page's result with its log, or the error that stopped it."""
    assert _job is not None
    pages, work = _job
    logger = logging.getLogger("mkdocs")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)  # the parent's handlers: their copies here would count nothing
    capture = _Capture()
    logger.addHandler(capture)
    results: list[tuple[Any, list[LogEntry]]] = []
    try:
        for i in indices:
            capture.entries = []
            results.append((work(pages[i]), capture.entries))
    except Exception as err:
        results.append((None, capture.entries))
        return results, _picklable(err)
    finally:
        logger.removeHandler(capture)
    return results, None


def _picklable(err: Exception) -> BaseException:
    import pickle

    try:
        pickle.loads(pickle.dumps(err))
    except Exception:
        return BuildError(f"{type(err).__name__}: {err}")
    return err


def _shared(pages: list[Page], work: Callable[[Page], Any], processes: int) -> list[Any]:
    """`work` on every page in forked workers, results in page order; their logs logged here.

    A worker's exception is raised here after the log records that preceded it.
    """
    global _job
    size = max(len(pages) // (processes * CHUNKS_PER_WORKER), 1)
    chunks = [list(range(start, min(start + size, len(pages)))) for start in range(0, len(pages), size)]
    _job = (pages, work)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            outcomes = pool.map(_work, chunks, chunksize=1)
    finally:
        _job = None
    results: list[Any] = []
    for chunk_results, error in outcomes:
        for result, entries in chunk_results:
            for name, level, message in entries:
                logging.getLogger(name).handle(
                    logging.makeLogRecord(
                        {"name": name, "levelno": level, "levelname": logging.getLevelName(level), "msg": message}
                    )
                )
            results.append(result)
        if error is not None:
            raise error
    return results
