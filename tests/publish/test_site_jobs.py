"""kb.publish.jobs: MkDocs' build shared among processes writes the very site MkDocs' own build writes."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from bench.site_bench import generate as generate_kb
from kb.check.diagnostics import Stopped
from kb.pipeline import load, render
from kb.publish import jobs
from kb.publish.pages import Site, generate
from kb.publish.sitebuild import mkdocs_build, mkdocs_config, write_docs
from kb.rendering.jinjaenv import environment
from kb.store.config import Config, discover
from tests.conftest import SAMPLE

pytestmark = pytest.mark.speed


def _docs(root: Path, kind: str) -> tuple[Config, Site]:
    """A knowledge base's site pages, written to its docs folder: the sample, or a generated one."""
    root.mkdir()
    if kind == "sample":
        (root / "data").symlink_to(SAMPLE)
        (root / "kb.toml").write_text('records = "data"\n')
    else:
        generate_kb(root, 150)
    config = discover(root)
    kb = load(config)
    site = generate(kb, environment(config.templates), render(kb))
    write_docs(config.site_docs, site.pages)
    return config, site


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of a built site by path; the sitemap's gzip unpacked (its header holds the build's second)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            out[str(path.relative_to(folder))] = gzip.decompress(data) if path.suffix == ".gz" else data
    return out


@pytest.mark.parametrize("kind", ["sample", "generated"])
def test_shared_build_writes_the_same_site(tmp_path: Path, kind: str) -> None:
    config, site = _docs(tmp_path / "kb", kind)
    serial, shared = tmp_path / "serial", tmp_path / "shared"
    serial_index = mkdocs_build(config, site, serial, jobs=1)
    shared_index = mkdocs_build(config, site, shared, jobs=2)
    want, got = _files(serial), _files(shared)
    assert sorted(got) == sorted(want)
    assert [path for path in want if got[path] != want[path]] == []
    assert shared_index == serial_index > 0
    assert any(path.startswith("docs/") for path in want)  # rendered documents, indexed by Material's search


def test_a_broken_link_in_a_worker_fails_the_strict_build(tmp_path: Path) -> None:
    config, site = _docs(tmp_path / "kb", "generated")
    last = sorted(site.records)[-1]
    page = config.site_docs / last
    page.write_text(page.read_text() + "\nSee [gone](../findings/F-gone-x0x0x.md).\n")
    messages = []
    for processes in (1, 2):
        with pytest.raises(Stopped) as err:
            mkdocs_build(config, site, tmp_path / f"site{processes}", jobs=processes)
        messages.append("\n".join(err.value.lines()))
    assert "F-gone-x0x0x.md" in messages[1] and last in messages[1]
    assert "Aborted with 1 warnings in strict mode!" in messages[1]
    assert messages[1] == messages[0]


def test_workers_only_when_asked_for_large_sites_and_known_plugins(tmp_path: Path) -> None:
    config, _ = _docs(tmp_path / "kb", "sample")
    material = mkdocs_config(config, tmp_path / "site", strict=True)
    assert jobs.workers(material, 10, 2) == 1
    cores = os.cpu_count() or 1
    assert jobs.workers(material, jobs.PER_WORKER * 64, 0) == min(cores, 64)
    assert jobs.workers(material, jobs.PER_WORKER * 64, 1) == 1  # the default: MkDocs' own build
    assert jobs.workers(material, jobs.PER_WORKER * 64, 2) == min(cores, 2)
    plain = tmp_path / "mkdocs.yml"
    plain.write_text("site_name: plain\nplugins:\n  - search\n")
    (config.root / "mkdocs.yml").symlink_to(plain)  # MkDocs' own theme and search plugin: not known to share
    assert jobs.workers(mkdocs_config(config, tmp_path / "site", strict=True), 10**6, 0) == 1
