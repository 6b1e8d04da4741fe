"""Shared helpers for the scripts that derive action-map tables from the AWS SDK service
models (botocore's `data/` directory). See action-map/models/regenerate.sh."""
import glob
import gzip
import json
import os


def load_json(path):
    """A model file, gzipped or plain."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def models(data):
    """(botocore service name, relative model path, model) for the newest API version of
    every service, sorted by name: the same input gives the same order."""
    for svc in sorted(os.listdir(data)):
        paths = sorted(glob.glob(os.path.join(data, svc, "*", "service-2.json*")))
        if not paths:
            continue
        path = paths[-1]  # API versions are ISO dates: the last one is the newest
        yield svc, os.path.relpath(path, data).replace(os.sep, "/"), load_json(path)


def catalog_prefixes(catalog):
    """IAM prefix -> service name, from action-map/catalog/services/*.tsv."""
    out = {}
    for path in sorted(glob.glob(os.path.join(catalog, "*.tsv"))):
        with open(path, encoding="utf-8") as f:
            first = f.readline().rstrip("\n").split("\t")
        if first[0] == "S":
            out[first[1]] = first[2] if len(first) > 2 else first[1]
    return out


def catalog_actions(catalog):
    """`prefix:Action` (lowercase) -> (canonical `prefix:Action`, resource types, dependent actions)."""
    out = {}
    for path in sorted(glob.glob(os.path.join(catalog, "*.tsv"))):
        prefix = os.path.basename(path)[: -len(".tsv")]
        with open(path, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if cols[0] != "A":
                    continue
                cols += [""] * (6 - len(cols))
                res = [r for r in cols[3].split(",") if r]
                deps = [d for d in cols[5].split(",") if d]
                out[f"{prefix}:{cols[1]}".lower()] = (f"{prefix}:{cols[1]}", res, deps)
    return out


def write_tsv(path, header, rows):
    """Header comment lines, then sorted unique rows; LF line ends."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for h in header:
            f.write(f"# {h}\n" if h else "#\n")
        for row in sorted(set(rows)):
            f.write("\t".join(row) + "\n")
