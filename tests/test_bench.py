"""The benchmark scripts still load: a refactor that breaks one is caught here, not at the next measurement."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parent.parent / "bench"
SCRIPTS = sorted(path.name for path in BENCH.glob("*_bench.py"))


def test_there_are_benchmarks_to_check() -> None:
    assert {"new_bench.py", "render_bench.py", "search_bench.py", "site_bench.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_benchmark_script_loads(script: str) -> None:
    """Run the script's top level (its imports and definitions) as `python bench/SCRIPT` would, without main()."""
    code = f"import runpy, sys; sys.path.insert(0, {str(BENCH)!r}); runpy.run_path({script!r}, run_name='loaded')"
    result = subprocess.run([sys.executable, "-c", code], cwd=BENCH, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
