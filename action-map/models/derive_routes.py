#!/usr/bin/env python3
"""Derive action-map/models/routes.tsv: how to tell which AWS API call a raw HTTP request is
(`iamtrail capture`), and how its input members travel on the wire.

Usage: derive_routes.py BOTOCORE_DATA CURATED_SERVICES_TSV EVENT_SOURCES_TSV OUT_TSV

One `S` line per service model (newest API version), followed by one `O` line per operation.

S  service, signingName, endpointPrefix, protocol (json, rest-json, rest-xml,
   smithy-rpc-v2-cbor, query, ec2: the one botocore calls it with when the model lists several),
   targetPrefix (json), jsonVersion (json), apiVersion, CloudTrail eventSource, model file
O  operation, HTTP method, request URI template, members, secrets, maps

The method and URI are left empty for the json, query, ec2 and cbor protocols (the operation
travels in X-Amz-Target, the `Action` parameter, or the `/service/S/operation/Op` path). `members` lists the input
members that do not travel as plain body members under their own name, comma-joined:
`Name:loc[:wire][*]` with loc `u` (URI label), `q` (query string), `h` (header), `p` (header
prefix), `P` (payload: the whole body, a structure), `B` (payload: bytes or text, never read
by capture), `b` (body member under another wire name); `wire` is
left out when it equals the member name; `*` marks a required member. Body members under their
own name are not listed (their name is the key on the wire). `secrets` names every input
member, at any depth, whose value is secret: the model marks its shape `sensitive`, or its
name is a well-known secret (SECRET_NAMES below); `capture` never writes their values. `maps`
names every input member, at any depth, that holds a map: CloudTrail lower-cases the first
letter of member names at every depth, but a map's keys are data and stay as they are.

eventSource: `<signingName>.amazonaws.com` when event-sources.tsv or curated/services.tsv
knows that host (CloudTrail logs most services under their signing name: bedrock-runtime under
bedrock, api.ecr under ecr, s3-control under s3), else `<endpointPrefix>.amazonaws.com` when
known, else the signing-name host.
"""
import sys

from common import models, write_tsv

# Member names whose values are secret in every service, whatever the model says (compared
# case-insensitively). Sources: CloudTrail's own HIDDEN_DUE_TO_SECURITY_REASONS fields and
# the AWS API references of IAM, Secrets Manager, KMS, EC2, RDS, STS.
SECRET_NAMES = {
    "password", "newpassword", "oldpassword", "masteruserpassword", "adminpassword",
    "secretstring", "secretbinary", "secretaccesskey", "secretkey", "sessiontoken",
    "userdata", "privatekey", "privatekeypassphrase", "keymaterial", "encryptedkeymaterial",
    "plaintext", "ciphertextblob", "authtoken", "clientsecret", "sharedsecret",
    "ssecustomerkey", "copysourcessecustomerkey", "webidentitytoken", "samlassertion",
}

# In botocore's order of preference (utils.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS): a service
# listing several is called with the first of these it lists.
PROTOCOLS = ["json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor", "query", "ec2"]
LOCATIONS = {"uri": "u", "querystring": "q", "header": "h", "headers": "p"}


def walk(shapes, shape_name, memo, path=()):
    """(secrets, maps) under `shape_name`, at any depth: the names of members whose values
    are secret (`None` in the set means the shape's own values are: a sensitive shape, or a
    list or map of them, so the member holding it is named by its parent), and the names of
    members that hold a map (their keys are data, not member names)."""
    shape = shapes.get(shape_name, {})
    if shape.get("sensitive"):
        return {None}, set()
    if shape_name in path:
        return set(), set()
    if shape_name in memo:
        return memo[shape_name]
    secrets, maps = set(), set()
    kind = shape.get("type")
    inner = path + (shape_name,)
    if kind == "structure":
        for name, m in shape.get("members", {}).items():
            s, mp = walk(shapes, m["shape"], memo, inner)
            if None in s or name.lower() in SECRET_NAMES:
                secrets.add(name)
            if shapes.get(m["shape"], {}).get("type") == "map":
                maps.add(name)
            secrets |= s - {None}
            maps |= mp
    elif kind in ("list", "map"):
        s, mp = walk(shapes, shape["member" if kind == "list" else "value"]["shape"], memo, inner)
        secrets |= s
        maps |= mp
    memo[shape_name] = (secrets, maps)
    return secrets, maps


def member_field(name, m, required, protocol, payload, shapes):
    """The packed `Name:loc[:wire][*]` of one input member, or None when the reader needs no
    line for it: a URI label or query parameter under its own name (compared ignoring case:
    the label in the template and the parameter on the wire say it) that routing does not
    require, or a body member whose key on the wire is its name (ignoring the first letter's
    case, which CloudTrail lower-cases anyway)."""
    loc = LOCATIONS.get(m.get("location", ""))
    wire = m.get("locationName", name)
    req = name in required
    if name == payload:
        loc = "P" if shapes.get(m["shape"], {}).get("type") == "structure" else "B"
        return f"{name}:{loc}" + ("*" if req else "")
    if loc is None:
        if protocol == "ec2" or wire[:1].lower() + wire[1:] == name[:1].lower() + name[1:]:
            return None
        loc = "b"
    same = wire.lower() == name.lower()
    if same and (loc == "u" or (loc == "q" and not req)):
        return None
    field = f"{name}:{loc}" + ("" if same else f":{wire}")
    return field + ("*" if req else "")


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    data, curated_path, sources_path, out = sys.argv[1:]
    known = set()
    for path in (curated_path, sources_path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    known.add(line.split("\t")[0])
    rows, report = [], []
    for svc, path, model in models(data):
        meta = model.get("metadata", {})
        listed = meta.get("protocols") or [meta.get("protocol", "")]
        protocol = next((p for p in PROTOCOLS if p in listed), None)
        if protocol is None:
            report.append(f"unknown protocol, left out: {svc} ({listed})")
            continue
        endpoint = meta.get("endpointPrefix", svc)
        signing = meta.get("signingName", endpoint)
        source = next(
            (h for h in (f"{signing}.amazonaws.com", f"{endpoint}.amazonaws.com") if h in known),
            f"{signing}.amazonaws.com",
        )
        rows.append((
            svc, "S", "", signing, endpoint, protocol, meta.get("targetPrefix", ""),
            meta.get("jsonVersion", ""), meta.get("apiVersion", ""), source, path,
        ))
        shapes = model.get("shapes", {})
        memo = {}
        rest = protocol.startswith("rest-")
        for op_name, op in model.get("operations", {}).items():
            http = op.get("http", {})
            method, uri = (http.get("method", "POST"), http.get("requestUri", "/")) if rest else ("", "")
            members, secrets, maps = [], set(), set()
            shape_name = op.get("input", {}).get("shape")
            if shape_name:
                shape = shapes.get(shape_name, {})
                required = set(shape.get("required", []))
                payload = shape.get("payload")
                for name, m in shape.get("members", {}).items():
                    field = member_field(name, m, required, protocol, payload, shapes)
                    if field:
                        members.append(field)
                secrets, maps = walk(shapes, shape_name, memo)
                secrets = secrets - {None}
            rows.append((
                svc, "O", op_name, method, uri, ",".join(members), ",".join(sorted(secrets)),
                ",".join(sorted(maps)),
            ))
    # Services in name order, each S line before its operations (sorted by name).
    rows.sort(key=lambda r: (r[0], r[1] != "S", r[2]))
    lines = [r[1:2] + r[:1] + r[3:] if r[1] == "S" else r[1:] for r in rows]
    write(out, lines)
    for line in report:
        print(line, file=sys.stderr)


def write(out, lines):
    """write_tsv sorts its rows; this table is ordered (S then its O lines), so write it here."""
    header = [
        "GENERATED by action-map/models/regenerate.sh (derive_routes.py) — do not edit.",
        "S <TAB> service <TAB> signingName <TAB> endpointPrefix <TAB> protocol <TAB> targetPrefix <TAB> jsonVersion <TAB> apiVersion <TAB> eventSource <TAB> model file",
        "O <TAB> operation <TAB> method <TAB> URI template <TAB> members (Name:loc[:wire][*]; loc u uri, q query, h header, p header prefix, P structure payload, B blob payload, b renamed body member; * required) <TAB> secret members (any depth) <TAB> map members (any depth)",
        "Read by src/capture/table.rs; format: derive_routes.py docstring.",
    ]
    write_tsv(out, header, [])
    with open(out, "a", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write("\t".join(line) + "\n")


if __name__ == "__main__":
    main()
