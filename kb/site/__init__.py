"""The published site: pages generated from the records, built with MkDocs Material.

`relations` computes who points at whom, `pages` renders the Markdown pages through
`templates/site/`, `charts` draws the dashboard's SVG, `build` runs the pipeline and MkDocs,
`parallel` is MkDocs' build with its per-page loops shared among the cores (through
`kb.parallel`), and `searchindex` keeps the search download small. Figures come from `kb.stats`.
"""
