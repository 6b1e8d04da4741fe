#!/usr/bin/env python3
"""Measure how many resource-capable grants a run leaves on `*`.

Usage: measure_star.py IAMTRAIL_BINARY CATALOG_SERVICES_DIR INPUT [--list]

Runs `iamtrail generate --json` once per principal of INPUT (as `generate` lists them) and
counts, over all those policies, the (principal, action, resource) grants whose action has
resource types in the IAM catalog (it could be scoped), and how many of them are on `*`
exactly, and how many grants the report's `wide` list says have a part the records did not
show (`instance/*`: mostly resources a call creates, whose ids vary per run). `--list` prints the actions left on `*` with their counts.
"""
import collections
import json
import re
import subprocess
import sys

from common import catalog_actions


def principals(binary, inp):
    """The principals `generate` lists for the input."""
    run = subprocess.run([binary, "generate", "-q", inp], capture_output=True, text=True)
    return re.findall(r"^\s+\d+\s+\w+\s+(arn:\S+)$", run.stderr, re.M)


def grants(policy):
    for st in policy.get("Statement", []):
        if st.get("Effect") != "Allow":
            continue
        acts = st.get("Action", [])
        res = st.get("Resource", [])
        for a in [acts] if isinstance(acts, str) else acts:
            for r in [res] if isinstance(res, str) else res:
                yield a, r


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    binary, catalog, inp = sys.argv[1:4]
    actions = catalog_actions(catalog)
    capable = stars = partial = 0
    left = collections.Counter()
    for p in principals(binary, inp):
        run = subprocess.run(
            [binary, "generate", "-q", "--allow-partial", "--json", "--principal", p, inp],
            capture_output=True,
            text=True,
        )
        out = json.loads(run.stdout)
        partial += len(
            {
                (w["action"], w["resource"])
                for w in out["report"].get("wide", [])
                if w["resource"] != "*" and w["why"].startswith("not in the records")
            }
        )
        seen = set()
        for policy in out["policies"]:
            for a, r in grants(policy):
                info = actions.get(a.lower())
                if info is None or not info[1] or (a, r) in seen:
                    continue
                seen.add((a, r))
                capable += 1
                if r == "*":
                    stars += 1
                    left[a] += 1
    share = stars / capable if capable else 0.0
    print(f"{stars} of {capable} resource-capable grants on `*` ({share:.1%}); {partial} more with a part unknown (`…/*`)")
    if "--list" in sys.argv:
        for a, n in left.most_common():
            print(f"{n}\t{a}")


if __name__ == "__main__":
    main()
