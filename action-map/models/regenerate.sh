#!/usr/bin/env bash
# Regenerate the tables derived from the AWS SDK service models: botocore's `data/` directory
# (Apache-2.0), installed from its Python package at a pinned version into a throwaway venv.
# Only derived facts are written here (operation X takes a role in member Y; service Z logs
# under host H), each row naming its model file; botocore itself is never committed.
# Bump BOTOCORE_VERSION to refresh; the output is deterministic for a given version and catalog.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
BOTOCORE_VERSION="${BOTOCORE_VERSION:-1.44.8}"
here="$(cd "$(dirname "$0")" && pwd)"
venv="${TMPDIR:-/tmp}/iamtrail-models-venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "botocore==$BOTOCORE_VERSION"
data="$("$venv/bin/python" -c 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data"))')"
cd "$here"
python3 derive_event_sources.py "$data" ../catalog/services ../curated/services.tsv event-sources.tsv
python3 derive_passrole.py "$data" ../catalog/services ../curated event-sources.tsv passrole.tsv
python3 derive_kms_parameters.py "$data" ../catalog/services event-sources.tsv kms-parameters.tsv
python3 derive_resources.py "$data" ../catalog/services ../curated event-sources.tsv resources.tsv
python3 derive_routes.py "$data" ../curated/services.tsv event-sources.tsv routes.tsv
echo "botocore $BOTOCORE_VERSION" > VERSION
