#!/usr/bin/env python3
"""Derive action-map/models/passrole.tsv: every request member of the AWS SDK service models
that hands an IAM role (a role ARN or name, a list of them, or an instance profile) to a
service, with its path in CloudTrail's requestParameters.

Usage: derive_passrole.py BOTOCORE_DATA CATALOG_SERVICES_DIR CURATED_DIR EVENT_SOURCES_TSV OUT_TSV

A member is taken when (rules below, each a small named function):
  - `takes_role`: its name ends in `Role`, `RoleArn(s)`/`RoleARN(s)` (optionally `Override`;
    not `RoleName`, `RoleSessionName`, `RoleType`…) and its documentation mentions IAM, an ARN
    or a role the service assumes; or its name
    ends in `Arn(s)`/`ARN(s)` (not `PrincipalArn`, `CertificateArn`, `KmsKeyArn`…) and its
    documentation begins "The ARN of the IAM/service/execution role";
  - `takes_instance_profile`: its name contains `InstanceProfile` (a name, an ARN, or a
    structure of `Arn`/`Name`), or its documentation says it names an instance profile;
  - the target shape is a string (not an enum) or a list of strings;
  - the operation can hand over a role (`WRITE_VERBS`: not Get/List/Describe/Delete/…), is an
    action in the IAM catalog under the service's IAM prefix (models/event-sources.tsv), and
    the service is not IAM or STS themselves (their role parameters name the role acted on).

Paths: CloudTrail writes members with the first letter lower-cased (`RoleArn` -> `roleArn`);
`[]` walks a list. EC2 (protocol `ec2`) logs older APIs by lower-cased `locationName` and newer
ones as `<Operation>Request.<QueryName>`; both spellings are written, only one can match a record.

Passed-to service (`iam:PassedToService`): instance profiles go to `ec2.amazonaws.com`, ECS
task and execution roles (ECS, Batch) to `ecs-tasks.amazonaws.com`, members in MEMBER_PRINCIPALS to
their documented principal; else
the one service principal curated/passrole.tsv uses for that IAM prefix, if it uses exactly
one, for two operations or more; else `<signingName>.amazonaws.com` — a GUESS, said so in the source column.
Output (tab-separated, sorted): prefix:Operation, path[:instance-profile], service principal,
source (model file, shape.member, how the principal was chosen).
"""
import html
import re
import sys

from common import catalog_actions, models, write_tsv

#: Operation-name starts that only read, remove or end things: they never hand a role over.
NON_WRITE_VERBS = (
    "Get", "List", "Describe", "Delete", "Remove", "Disassociate", "Detach", "Deregister",
    "Untag", "Tag", "Search", "Cancel", "Stop", "Test", "Validate", "Simulate", "Estimate",
    "BatchGet", "Check", "Lookup", "Query", "Scan", "Preview", "Export", "Download", "Terminate",
)
#: Services whose role parameters name the role being acted on, not one handed over.
EXCLUDED_SERVICES = {"iam", "sts"}
#: Services whose "instance profile" is their own resource, not an IAM instance profile.
OWN_INSTANCE_PROFILES = {"devicefarm", "dms"}
#: Member names ending like a role that are not roles.
NOT_ROLE_SUFFIXES = ("rolename", "rolesessionname", "roletype", "roles", "rolealias")
MAX_DEPTH = 8
#: Members that hand an ECS task its roles, wherever they sit (ECS, Batch): the role is assumed
#: by ecs-tasks.amazonaws.com, as curated/passrole.tsv says for RegisterTaskDefinition.
ECS_TASK_ROLE_MEMBERS = {"taskrolearn", "executionrolearn", "jobrolearn"}
ECS_TASK_PREFIXES = {"ecs", "batch"}
#: Members whose role a documented service principal assumes, wherever they sit.
MEMBER_PRINCIPALS = {
    # Amazon VPC User Guide, IAM role for publishing flow logs to CloudWatch Logs: the role
    # trusts vpc-flow-logs.amazonaws.com (EC2 CreateFlowLogs DeliverLogsPermissionArn).
    "deliverlogspermissionarn": "vpc-flow-logs.amazonaws.com",
}
#: Members that describe resources (findings, their details), never hand anything over.
SKIPPED_SUBTREES = {"findings", "details"}
#: Names of `…Arn` members that are other things even when their documentation mentions a role.
NOT_ROLE_ARN_WORDS = r"principal|certificate|key|lambda|stream|entity|function|topic|queue"
#: How the documentation of an `…Arn` member that carries a role begins.
ROLE_ARN_DOC = (
    r"(Specifies |Contains )?(the |an )?(ARN|Amazon Resource Name)( \(ARN\))?s? (of|for) (the|an|a) "
    r"(AWS )?(IAM|Identity and Access Management \(IAM\)|service|execution)[ -]role"
)


def text(doc):
    """Documentation without HTML tags or entities, one line."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", doc or "")).split())


def takes_role(name, doc):
    """Whether a member (by its name and documentation) carries an IAM role ARN or name."""
    low = name.lower()
    if low.endswith(NOT_ROLE_SUFFIXES) and not low.endswith(("rolearns",)):
        return False
    if re.search(r"role(arn|arns)?(override)?$", low):
        return bool(re.search(r"\bIAM\b|\bARN\b|Amazon Resource Name|\bassumes?\b", doc))
    if re.search(r"arns?$", low) and not re.search(NOT_ROLE_ARN_WORDS, low):
        # The documentation's first words say what the ARN is: "The ARN of the IAM role …".
        return bool(re.match(ROLE_ARN_DOC, doc, re.I))
    return False


def takes_instance_profile(name, doc):
    """Whether a member names an instance profile (the role inside it is what is passed): by
    its name, or by the first sentence of its documentation."""
    low = name.lower()
    if "instanceprofile" in low:
        return not low.endswith(("id", "associationid", "type"))
    first = doc.split(". ")[0]
    return bool(re.search(r"\binstance profile\b", first, re.I)) and bool(re.search(r"(role|profile|arn)$", low))


def lcfirst(s):
    return s[:1].lower() + s[1:]


def strings(shapes, shape_name):
    """'string', 'list' (of strings) or None: what a member's shape holds."""
    s = shapes[shape_name]
    if s.get("type") == "string" and "enum" not in s:
        return "string"
    if s.get("type") == "list":
        inner = shapes[s["member"]["shape"]]
        if inner.get("type") == "string" and "enum" not in inner:
            return "list"
    return None


def walk(shapes, shape_name, steps, seen, out, own_profiles, depth=0):
    """Collects (steps, member name, kind, shape.member) for role-carrying members under a
    structure. `steps` is a list of (member name, locationName, queryName, is_list)."""
    if depth > MAX_DEPTH or shape_name in seen:
        return
    shape = shapes[shape_name]
    if shape.get("type") != "structure":
        return
    for name, m in sorted(shape.get("members", {}).items()):
        target = m["shape"]
        doc = text(m.get("documentation", "")) or text(shapes[target].get("documentation", ""))
        holds = strings(shapes, target)
        step = (name, m.get("locationName"), m.get("queryName"), holds == "list")
        where = f"{shape_name}.{name}"
        if name.lower() in SKIPPED_SUBTREES:
            continue
        if holds and takes_instance_profile(name, doc) and not own_profiles:
            out.append((steps + [step], "instance-profile", where))
        elif holds and takes_role(name, doc):
            out.append((steps + [step], "role", where))
        elif shapes[target].get("type") == "structure":
            inner = steps + [(name, m.get("locationName"), m.get("queryName"), False)]
            if "instanceprofile" in name.lower() and not own_profiles:
                # IamInstanceProfile { Arn, Name }: both name the profile.
                for sub, sm in sorted(shapes[target].get("members", {}).items()):
                    if sub.lower() in ("arn", "name") and strings(shapes, sm["shape"]) == "string":
                        sub_step = (sub, sm.get("locationName"), sm.get("queryName"), False)
                        out.append((inner + [sub_step], "instance-profile", f"{target}.{sub}"))
                continue
            walk(shapes, target, inner, seen | {shape_name}, out, own_profiles, depth + 1)
        elif shapes[target].get("type") == "list":
            item = shapes[target]["member"]["shape"]
            if shapes[item].get("type") == "structure":
                inner = steps + [(name, m.get("locationName"), m.get("queryName"), True)]
                walk(shapes, item, inner, seen | {shape_name}, out, own_profiles, depth + 1)


def paths(protocol, operation, steps):
    """The requestParameters paths CloudTrail uses for a member path."""
    def join(parts):
        return ".".join(parts)

    if protocol != "ec2":
        return [join(lcfirst(n) + ("[]" if is_list else "") for n, _, _, is_list in steps)]
    out = []
    if not any(is_list for *_, is_list in steps):
        # Older EC2 APIs: the lower-cased locationName, e.g. iamInstanceProfile.arn.
        out.append(join(lcfirst(loc or n) for n, loc, _, _ in steps))
    # Newer EC2 APIs: <Operation>Request.<QueryName>, e.g. CreateFlowLogsRequest.DeliverLogsPermissionArn.
    out.append(join([f"{operation}Request"] + [(q or (loc or n)[:1].upper() + (loc or n)[1:]) + ("[]" if is_list else "") for n, loc, q, is_list in steps]))
    return out


def curated_principals(curated_dir):
    """IAM prefix -> {service principal -> events} that curated/passrole.tsv uses for roles (not
    profiles), and the (event, path) pairs it lists."""
    by_prefix, pairs, lines = {}, {}, {}
    with open(f"{curated_dir}/passrole.tsv", encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            event, path, principal = line.rstrip("\n").split("\t")[:3]
            pairs.setdefault(event, set()).add(path)
            lines[(event, path.split(":")[0])] = (path, principal)
            if not path.endswith(":instance-profile"):
                by_prefix.setdefault(event.split(":")[0], {}).setdefault(principal, set()).add(event)
    return by_prefix, pairs, lines


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    data, catalog, curated_dir, sources_tsv, out = sys.argv[1:]
    actions = catalog_actions(catalog)
    host_prefix = {}
    with open(sources_tsv, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                host, prefix = line.split("\t")[:2]
                host_prefix[host] = prefix
    principals, curated_pairs, curated_lines = curated_principals(curated_dir)
    rows = []
    for svc, path, model in models(data):
        meta = model["metadata"]
        signing = meta.get("signingName", meta["endpointPrefix"])
        prefix = host_prefix.get(f"{signing}.amazonaws.com") or host_prefix.get(f"{meta['endpointPrefix']}.amazonaws.com")
        if prefix is None or prefix in EXCLUDED_SERVICES:
            continue
        shapes = model["shapes"]
        for op_name, op in sorted(model["operations"].items()):
            if op_name.startswith(NON_WRITE_VERBS) or "input" not in op:
                continue
            action = actions.get(f"{prefix}:{op_name}".lower())
            if action is None:
                continue
            found = []
            walk(shapes, op["input"]["shape"], [], frozenset(), found, prefix in OWN_INSTANCE_PROFILES)
            for steps, kind, where in found:
                member = steps[-1][0].lower()
                if kind == "instance-profile":
                    principal, how = "ec2.amazonaws.com", "instance profiles are passed to ec2.amazonaws.com"
                elif member in MEMBER_PRINCIPALS:
                    principal, how = MEMBER_PRINCIPALS[member], "principal from the member's documented trust (MEMBER_PRINCIPALS)"
                elif prefix in ECS_TASK_PREFIXES and member in ECS_TASK_ROLE_MEMBERS:
                    principal, how = "ecs-tasks.amazonaws.com", "ECS task roles are passed to ecs-tasks.amazonaws.com"
                elif len(principals.get(prefix, {})) == 1 and len(next(iter(principals[prefix].values()))) >= 2:
                    (principal,) = principals[prefix]
                    how = f"principal as curated/passrole.tsv uses for {prefix}"
                else:
                    principal = f"{signing}.amazonaws.com"
                    how = "principal GUESSED from the signing name"
                for p in paths(meta["protocol"], op_name, steps):
                    suffix = ":instance-profile" if kind == "instance-profile" else ""
                    rows.append((action[0], p + suffix, principal, f"botocore {path}: {where}; {how}"))
    write_tsv(
        out,
        [
            "GENERATED by action-map/models/regenerate.sh (derive_passrole.py) — do not edit.",
            "prefix:Operation <TAB> requestParameters path[:instance-profile] <TAB> iam:PassedToService <TAB> source",
            "A line of curated/passrole.tsv for the same event and path wins over a line here.",
        ],
        rows,
    )
    derived = {}
    for event, p, *_ in rows:
        derived.setdefault(event, set()).add(p)
    added = sum(len(ps - curated_pairs.get(e, set())) for e, ps in derived.items())
    print(f"{len(rows)} rows over {len(derived)} operations; {added} (event, path) pairs not in curated/passrole.tsv", file=sys.stderr)
    for event, p, principal, _ in sorted(rows):
        mine = curated_lines.get((event, p.split(":")[0]))
        if mine and mine != (p, principal):
            print(f"disagrees with curated (curated wins): {event}\t{p}\t{principal}\tcurated: {mine[0]}\t{mine[1]}", file=sys.stderr)
    for event, ps in sorted(curated_pairs.items()):
        missing = ps - derived.get(event, set())
        for p in sorted(missing):
            print(f"curated only: {event}\t{p}", file=sys.stderr)


if __name__ == "__main__":
    main()
