#!/usr/bin/env bash
# Refresh the catalogs from the sources: extract French strings, merge into every language.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -q -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
  -o translations/messages.pot . 2>/dev/null || \
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
  -o translations/messages.pot .
.venv/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
.venv/bin/pybabel compile -d translations
