"""Sphinx settings for the adcops.netscaler docs site (`make docs`), as `antsibull-docs sphinx-init` makes them.

Differences: no intersphinx (the build runs offline; no inventory is fetched), and the project's own title.
"""

project = "adcops.netscaler"
copyright = "adcops.netscaler maintainers"
title = "adcops.netscaler documentation"
html_short_title = "adcops.netscaler"

# myst_parser: docs/architecture.md, kept in Markdown so it reads the same on GitHub and on this site.
extensions = ["sphinx_antsibull_ext", "myst_parser"]

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = "any"
nitpicky = False
