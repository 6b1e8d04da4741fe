#!/usr/bin/env bash
# zlib-ng on the throughput bench's corpus, beside flate2 + zlib-rs in the same run (built
# without and then with flate2's runtime_detection feature, which iamtrail turns on for its
# streaming fallback; whole objects go through libdeflate).
#
#   benches/zlib-ng.sh [CORPUS_DIR]     # default: target/bench-corpus/300MB-1/AWSLogs
#
# Needs cmake (libz-ng-sys builds zlib-ng with it; on Debian: apt-get install cmake), which is
# why this is a separate crate (benches/zlib-ng/) and not part of benches/throughput.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-target/bench-corpus/300MB-1/AWSLogs}
command -v cmake > /dev/null || { echo "zlib-ng: needs cmake (apt-get install cmake)" >&2; exit 1; }
[ -d "$DIR" ] || { echo "no corpus at $DIR: run cargo bench --bench throughput first" >&2; exit 1; }
# Twice: flate2 as iamtrail configures it, then with flate2's runtime_detection feature.
for features in "" runtime-detection; do
  cargo build --quiet --release --manifest-path benches/zlib-ng/Cargo.toml \
    --target-dir "target/zlib-ng-probe${features:+-$features}" ${features:+--features "$features"}
  "target/zlib-ng-probe${features:+-$features}/release/zlib-ng-probe" "$DIR" "${IAMTRAIL_BENCH_REPEAT:-5}"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
