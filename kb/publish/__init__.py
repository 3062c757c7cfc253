"""The published site: pages generated from the records, built with MkDocs Material.

`relations` computes who points at whom, `pages` renders the Markdown pages through
`templates/site/`, `charts` draws the dashboard's SVG, `sitebuild` runs MkDocs,
`jobs` is MkDocs' build with its per-page loops shared among the cores (through
`kb.speed.forks`), and `searchindex` keeps the search download small. Figures come from `kb.report.figures`.
"""
