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

The site is the same as MkDocs' serial build writes (tests compare every file). The steps
follow MkDocs 1.6's `build` and use its private helpers (`_build_page`, the tree processors
of `Page.render`), so another MkDocs release gets MkDocs' own build until checked. Only
plugins whose per-page state is carried back are allowed (Material's search and tags);
with any other plugin, without fork, or for a small site, MkDocs' own build runs too.
"""

from __future__ import annotations

import logging
from typing import Any

import markdown  # type: ignore[import-untyped]
import mkdocs
from mkdocs import utils
from mkdocs.commands import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError
from mkdocs.structure import pages as mkdocs_pages
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from kb.speed.forks import fork_map, workers_for

MKDOCS_VERSION = "1.6."
"""The MkDocs release whose `build` this module follows."""
PLUGINS = frozenset({"material/search", "material/tags"})
"""Plugins whose per-page state the workers carry back to the parent (search entries; the
tags plugin keeps state only in the events the parent runs)."""
PER_WORKER = 250
"""Pages per worker process below which forking costs more than it saves."""
LOGGER = "mkdocs"
"""The logger whose records the workers send back (MkDocs logs everything under it)."""

log = logging.getLogger("mkdocs.commands.build")


def workers(config: MkDocsConfig, pages: int, most: int) -> int:
    """How many processes to build `pages` pages with, at most `most` (0: one per core); 1 means
    MkDocs' own serial build, which is also what another MkDocs release or plugin gets."""
    if most == 1 or not mkdocs.__version__.startswith(MKDOCS_VERSION) or set(config.plugins) - PLUGINS:
        return 1
    return min(most or pages, workers_for(pages, PER_WORKER))


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


def _per_worker(pages: list[Page], processes: int) -> int:
    """The share of `pages` that makes `fork_map` use `processes` workers (at most one per core)."""
    return max(len(pages) // processes, 1)


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

    converter = _Converter(config, files)

    def convert(page: Page) -> tuple[Any, ...]:
        converter.convert(page)
        return _converted(page)

    for page, state in zip(pages, fork_map(convert, pages, _per_worker(pages, processes), LOGGER), strict=True):
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
    for added in fork_map(write, built, _per_worker(built, processes), LOGGER):
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
        _log_page_error(page, err)
        raise
    finally:
        config._current_page = None


class _Converter:
    """The second half of MkDocs' `_populate_page` (up to `page_content`, which the parent runs).

    It is `Page.render` with one Markdown converter, reset between pages, where MkDocs builds a
    new one per page (registering every extension again: a sixth of the conversion time).
    """

    def __init__(self, config: MkDocsConfig, files: Files) -> None:
        self.config = config
        self.files = files
        self.md: Any = None  # made in the worker, on its first page

    def convert(self, page: Page) -> None:
        self.config._current_page = page
        try:
            self._render(page)
        except Exception as err:
            _log_page_error(page, err)
            raise
        finally:
            self.config._current_page = None

    def _render(self, page: Page) -> None:
        """`Page.render` (MkDocs 1.6), the page's own tree processors registered on the shared converter."""
        assert page.markdown is not None
        if self.md is None:
            self.md = markdown.Markdown(
                extensions=self.config["markdown_extensions"], extension_configs=self.config["mdx_configs"] or {}
            )
        md = self.md.reset()
        raw_html = mkdocs_pages._RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = mkdocs_pages._ExtractAnchorsTreeprocessor(page.file, self.files, self.config)
        anchors._register(md)
        relative = mkdocs_pages._RelativePathTreeprocessor(page.file, self.files, self.config)
        relative._register(md)
        title = mkdocs_pages._ExtractTitleTreeprocessor()
        title._register(md)
        page.content = md.convert(page.markdown)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if mkdocs_pages.log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative.links_to_anchors


def _log_page_error(page: Page, err: Exception) -> None:
    """What MkDocs' `_populate_page` logs when reading or converting a page fails."""
    message = f"Error reading page '{page.file.src_uri}':"
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
