"""The `kb` command line: one module per verb, each a thin layer over the library.

The click group is in `group`; `search` has its own argparse front end, so this package imports
nothing and a search starts without click.
"""
