#!/usr/bin/env bash
# iamtrail vs trailscraper (PyPI, Python) on the same corpus, in one run.
#
#   benches/trailscraper.sh            # 100 MB corpus, seed 1
#   IAMTRAIL_BENCH_TS_MB=20 benches/trailscraper.sh
#
# Installs trailscraper into a venv under target/ (once), generates the corpus with the
# gen-corpus example into target/bench-corpus/<MB>MB-<seed>/ (reused when it matches), reads
# every file once (page cache), then times
#   trailscraper select --log-dir DIR --filter-assumed-role-arn ROLE | trailscraper generate
# (one run: it is slow; see below for API Gateway records) and `iamtrail generate --principal ROLE DIR` (median of 3), and
# prints MB/s of uncompressed JSON for both and their ratio. Nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${IAMTRAIL_BENCH_TS_MB:-100}
SEED=${IAMTRAIL_BENCH_SEED:-1}
ROLE=arn:aws:iam::111122223333:role/ci-deployer
VENV=target/trailscraper-venv
DIR=target/bench-corpus/${MB}MB-${SEED}
OUT=target/trailscraper-bench
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/trailscraper" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet trailscraper
fi
cargo build --quiet --release --bin iamtrail --example gen-corpus
target/release/examples/gen-corpus --size "${MB}MB" --seed "$SEED" --out "$DIR" --reuse

json_bytes=$(grep '^json_bytes=' "$DIR/corpus.manifest" | cut -d= -f2)
find "$DIR/AWSLogs" -type f -exec cat {} + > /dev/null

now() { date +%s.%N; }

# trailscraper 0.10 crashes (KeyError in boto_operation_definition) on API Gateway v2 event
# names its bundled botocore data lacks (GetIntegrationResponses, …), so its two steps are
# timed apart and the API Gateway records are dropped in between, untimed.
start=$(now)
"$VENV/bin/trailscraper" select --log-dir "$DIR/AWSLogs" --filter-assumed-role-arn "$ROLE" \
    --from 2026-01-01 --to 2027-12-31 > "$OUT/selected.json"
ts_select=$(echo "$(now) - $start" | bc)
python3 - "$OUT/selected.json" "$OUT/selected-no-apigateway.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
kept = [r for r in doc["Records"] if r.get("eventSource") != "apigateway.amazonaws.com"]
print(f"trailscraper selected {len(doc['Records'])} records; {len(doc['Records']) - len(kept)} API Gateway records dropped before generate")
json.dump({"Records": kept}, open(sys.argv[2], "w"))
PY
start=$(now)
"$VENV/bin/trailscraper" generate < "$OUT/selected-no-apigateway.json" > "$OUT/trailscraper-policy.json"
ts_generate=$(echo "$(now) - $start" | bc)
ts=$(echo "$ts_select + $ts_generate" | bc)

times=()
for _ in 1 2 3; do
  start=$(now)
  rc=0
  target/release/iamtrail generate --quiet --principal "$ROLE" "$DIR/AWSLogs" \
    > "$OUT/iamtrail-policy.json" || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { echo "iamtrail failed ($rc)" >&2; exit 1; }
  times+=("$(echo "$(now) - $start" | bc)")
done
it=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)

actions() { grep -o '"[a-z0-9-]*:[A-Za-z0-9*]*"' "$1" | sort -u | wc -l; }
echo "corpus: $DIR ($(echo "scale=1; $json_bytes / 1000000" | bc) MB JSON), role $ROLE"
printf 'trailscraper %s: %.2f s (select %.2f + generate %.2f), %.1f MB/s, %s distinct actions in its policy\n' \
  "$("$VENV/bin/trailscraper" --version | awk '{print $NF}')" "$ts" "$ts_select" "$ts_generate" \
  "$(echo "$json_bytes / 1000000 / $ts" | bc -l)" "$(actions "$OUT/trailscraper-policy.json")"
printf 'iamtrail (median of 3): %.2f s, %.1f MB/s, %s distinct actions in its policy\n' \
  "$it" "$(echo "$json_bytes / 1000000 / $it" | bc -l)" "$(actions "$OUT/iamtrail-policy.json")"
printf 'iamtrail / trailscraper: %.1fx\n' "$(echo "$ts / $it" | bc -l)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
