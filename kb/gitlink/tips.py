"""The tips of a repository's history, HEAD and every ref, read with one plain `git` call.

They are what `git log --all` starts from, so while they stay the same so does every commit kb
reads from history. Cheap enough for the render stamp's fast path: GitPython is not imported.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def tips(path: Path) -> list[str] | None:
    """The full hashes of HEAD and every ref of the repository at `path`, sorted, each once;
    [] for a repository without commits; None when git finds no repository there (or no git)."""
    try:
        shown = subprocess.run(
            ["git", "-C", str(path), "show-ref", "--head", "--hash"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if shown.returncode not in (0, 1):  # 1: no refs yet
        return None
    return sorted(set(shown.stdout.split()))
