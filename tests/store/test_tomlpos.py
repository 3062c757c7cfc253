"""Positions of kb.toml's keys, for the shapes TOML allows a setting to take."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.store.tomlpos import Key, error_position, locate, positions

SHAPES: list[tuple[str, str, dict[Key, tuple[int, int]]]] = [
    (
        "tables and arrays of tables",
        """\
records = "data"

[site]
docs_dir = "d"

[[repositories]]
name = "a"

[[ repositories ]]
  name = "b"
""",
        {
            ("records",): (1, 1),
            ("site",): (3, 1),
            ("site", "docs_dir"): (4, 1),
            ("repositories",): (6, 1),
            ("repositories", 0, "name"): (7, 1),
            ("repositories", 1): (9, 1),
            ("repositories", 1, "name"): (10, 3),
        },
    ),
    (
        "dotted and quoted keys",
        """\
site.docs_dir = "d"
"link" . 'trailers' = ["A"]
""",
        {
            ("site",): (1, 1),
            ("site", "docs_dir"): (1, 1),
            ("link", "trailers"): (2, 1),
            ("link", "trailers", 0): (2, 24),
        },
    ),
    (
        "inline tables, and an array of them over several lines",
        """\
site = { docs_dir = "d", site_dir = "s" }
outputs = [
  { template = "t", path = "p" },  # one
  {path = "q"},
]
""",
        {
            ("site", "docs_dir"): (1, 10),
            ("site", "site_dir"): (1, 26),
            ("outputs", 0): (3, 3),
            ("outputs", 0, "path"): (3, 21),
            ("outputs", 1, "path"): (4, 4),
        },
    ),
    (
        "strings that look like keys, headers or comments",
        '''\
a = """
b = 1
[c]
"""
d = '# [e] = "'
f = "\\" # g = "
cache = \'\'\'x\'\'\'
''',
        {("a",): (1, 1), ("d",): (5, 1), ("f",): (6, 1), ("cache",): (7, 1)},
    ),
    (
        "a table under the last item of an array of tables",
        """\
[[repositories]]
name = "a"
[[repositories]]
name = "b"
[repositories.extra]
x = 1
""",
        {("repositories", 1, "extra"): (5, 1), ("repositories", 1, "extra", "x"): (6, 1)},
    ),
    (
        "Windows line ends, comments, and wide characters before a key",
        '# ünïcode\r\n[site]  # the site\r\n\tsite_dir = "s"\r\nt = { "ü" = 1, v = 2 }\r\n',
        {("site",): (2, 1), ("site", "site_dir"): (3, 2), ("site", "t", "ü"): (4, 7), ("site", "t", "v"): (4, 16)},
    ),
]


@pytest.mark.parametrize(("text", "expected"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_each_key_is_found_where_it_is_written(text: str, expected: dict[Key, tuple[int, int]]) -> None:
    found = positions(text)
    assert {key: found.get(key) for key in expected} == expected


def _keys(value: Any, prefix: Key = ()) -> list[Key]:
    """Every key path and array index of a parsed document."""
    if isinstance(value, dict):
        return [k for key, item in value.items() for k in [(*prefix, key), *_keys(item, (*prefix, key))]]
    if isinstance(value, list):
        return [k for i, item in enumerate(value) for k in [(*prefix, i), *_keys(item, (*prefix, i))]]
    return []


def _parsable(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


CONFIG_CASES = yaml.safe_load((Path(__file__).parent.parent / "cases" / "bad_config.yaml").read_text())
TEXTS = [(name, text) for name, text, _ in SHAPES] + [
    (case["name"], case["text"]) for case in CONFIG_CASES if "encoding" not in case and _parsable(case["text"])
]


@pytest.mark.parametrize("text", [text for _, text in TEXTS], ids=[name for name, _ in TEXTS])
def test_every_key_tomllib_reads_has_a_position(text: str) -> None:
    assert set(_keys(tomllib.loads(text))) <= set(positions(text))


def test_a_missing_key_is_placed_at_its_table() -> None:
    found = positions('[[outputs]]\ntemplate = "t"\n')
    assert locate(found, ("outputs", 0, "path")) == (1, 1)
    assert locate(found, ("records",)) == (0, 0)


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ("a = 1\nb = [1,\n", "Invalid value", (3, 1)),
        ('a = 1\nb = "x\x00"\n', "Illegal character '\\x00'", (2, 7)),
        ("[a]\n[a]\n", "Cannot declare ('a',) twice", (2, 3)),
    ],
)
def test_a_syntax_error_keeps_tomllibs_position(text: str, message: str, at: tuple[int, int]) -> None:
    with pytest.raises(tomllib.TOMLDecodeError) as err:
        tomllib.loads(text)
    assert error_position(err.value, text) == (message, at)
