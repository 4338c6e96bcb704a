#!/usr/bin/env bash
# Refresh the catalogs from the sources: extract French strings, merge into every language.
set -euo pipefail
cd "$(dirname "$0")/.."
# babel.cfg names the templates' Jinja extension (the post_form tag), imported from here:
# without it every template holding a form fails to parse and its strings vanish silently.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _n -k _ln --no-location --sort-output \
  -o translations/messages.pot . 2>&1 | tail -1
.venv/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching -w 100 \
  --ignore-obsolete 2>&1 | tail -1
.venv/bin/pybabel compile -d translations 2>&1 | tail -1
