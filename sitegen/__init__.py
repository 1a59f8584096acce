"""Generate the site's Markdown from the compiled policy bundle, and the maintainers' diff and scaffold tools.

Generation (this package: data -> Markdown/HTML strings, Jinja2 templates in site_src/templates) is kept apart
from rendering (`render.py`, the only module that knows MkDocs), so the renderer can be swapped.

    values      Chinese rendering of rule values (text and HTML)
    quotes      quote anchors: locate each cited passage in its notice, mark the notice text up
    compare     rule-by-rule comparison of two policies; the comparison matrix
    diff_report the `build.py diff` report as text or Markdown
    charts      annex tables as inline SVG bar charts
    urls        page paths and relative links between pages
    pages       view models and the Markdown of every page
    render      MkDocs (Material) rendering of the generated Markdown
    linkcheck   after rendering: every internal link and fragment resolves
    site        the build: check -> compile -> generate -> render -> link check -> swap into site/
    scaffold    `build.py new`: next year's policy file from this year's, citations to be verified
"""
