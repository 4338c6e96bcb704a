#!/usr/bin/env bash
# Install (idempotently) the external tools the browser tests need:
#   - Debian: chromium (driven by Playwright via executable_path=/usr/bin/chromium;
#     never `playwright install`) and poppler-utils (pdftotext/pdftoppm);
#   - npm, pinned, into .tools/ (git-ignored): axe-core and vnu-jar
#     (vnu-jar ships the Nu HTML Checker as a self-contained Java jar; needs java).
# Quick no-op when everything is already there. Prints one status line per tool.
set -euo pipefail

AXE_VERSION="4.11.1"
VNU_VERSION="26.9.27"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"

# --- Debian packages --------------------------------------------------------
apt_missing=()
[[ -x /usr/bin/chromium ]] || apt_missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || apt_missing+=(poppler-utils)
command -v redis-server >/dev/null 2>&1 || apt_missing+=(redis-server)
command -v java >/dev/null 2>&1 || apt_missing+=(default-jre-headless)
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || apt_missing+=(postgresql-15)
if ((${#apt_missing[@]})); then
    # Only bother with the (slow) index refresh when something must be installed.
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    echo "installing Debian packages: ${apt_missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${apt_missing[@]}"
fi

# --- npm packages in .tools/ ------------------------------------------------
installed_version() {  # $1 = package name -> prints version or nothing
    local pj="$TOOLS/node_modules/$1/package.json"
    [[ -f "$pj" ]] || return 0
    node -e 'process.stdout.write(String(require(process.argv[1]).version || ""))' "$pj" 2>/dev/null || true
}

if [[ "$(installed_version axe-core)" != "$AXE_VERSION" || "$(installed_version vnu-jar)" != "$VNU_VERSION" ]]; then
    command -v npm >/dev/null 2>&1 || { echo "error: npm not found (install Node.js)" >&2; exit 1; }
    echo "installing npm packages into $TOOLS: axe-core@$AXE_VERSION vnu-jar@$VNU_VERSION"
    mkdir -p "$TOOLS"
    npm install --no-audit --no-fund --save-exact --loglevel=error --prefix "$TOOLS" \
        "axe-core@$AXE_VERSION" "vnu-jar@$VNU_VERSION"
fi

# --- status -----------------------------------------------------------------
status=0
report() {  # $1 = name, $2 = ok(0)/missing(1), $3 = detail
    if [[ "$2" -eq 0 ]]; then printf '%-14s ok       %s\n' "$1" "$3"
    else printf '%-14s MISSING  %s\n' "$1" "$3"; status=1; fi
}

if [[ -x /usr/bin/chromium ]]; then
    report chromium 0 "$(/usr/bin/chromium --version 2>/dev/null | head -n1) (/usr/bin/chromium)"
else
    report chromium 1 "/usr/bin/chromium"
fi
if command -v redis-server >/dev/null 2>&1; then
    report redis-server 0 "$(redis-server --version | head -n1)"
else
    report redis-server 1 "redis-server"
fi
if command -v pdftotext >/dev/null 2>&1; then
    report poppler-utils 0 "$(pdftotext -v 2>&1 | head -n1) ($(command -v pdftotext))"
else
    report poppler-utils 1 "pdftotext"
fi
axe_js="$TOOLS/node_modules/axe-core/axe.min.js"
if [[ -f "$axe_js" && "$(installed_version axe-core)" == "$AXE_VERSION" ]]; then
    report axe-core 0 "$AXE_VERSION (${axe_js#"$ROOT"/})"
else
    report axe-core 1 "$AXE_VERSION (${axe_js#"$ROOT"/})"
fi
vnu="$TOOLS/node_modules/vnu-jar/build/dist/vnu.jar"
if [[ -f "$vnu" && "$(installed_version vnu-jar)" == "$VNU_VERSION" ]]; then
    report vnu-jar 0 "$VNU_VERSION (${vnu#"$ROOT"/})"
else
    report vnu-jar 1 "$VNU_VERSION (${vnu#"$ROOT"/})"
fi
if command -v java >/dev/null 2>&1; then
    report java 0 "$(java -version 2>&1 | head -n1) (needed by vnu.jar)"
else
    report java 1 "java (needed by vnu.jar; apt-get install default-jre-headless)"
fi
exit "$status"
