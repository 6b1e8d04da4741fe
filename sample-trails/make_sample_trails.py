#!/usr/bin/env python3
"""Write the bundled CloudTrail sample corpus for iamtrail.

Deterministic: every identifier comes from one seeded PRNG, every timestamp
from a fixed timeline, gzip headers carry mtime=0 and no file name, and JSON
keys keep the order CloudTrail writes them in.  Running this twice gives
byte-identical files (on the same zlib build).

    python3 sample-trails/make_sample_trails.py

Writes
    sample-trails/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/...        log files
    sample-trails/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail-Digest/... one digest
    tests/fixtures/formats/*                                              other formats

Everything here is fake: account 111122223333 and 444455556666 are the AWS
documentation accounts, IPs come from the RFC 5737 documentation ranges,
access key ids end in EXAMPLE and session tokens say SAMPLE-...-NOT-REAL.
Standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent          # .../sample-trails
REPO = HERE.parent
FORMATS_DIR = REPO / "tests" / "fixtures" / "formats"
# The deliberately damaged delivery lives beside the corpus, not in it, so the README's first
# command reads a corpus where everything parses (and exits 0).
DAMAGED_DIR = REPO / "tests" / "fixtures" / "damaged-trails"

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
ORG_ID = "o-a1b2c3d4e5"
TRAIL = "org-trail"
TRAIL_BUCKET = f"org-trail-logs-{ORG_ID}"
CDK_Q = "hnb659fds"

rng = random.Random(20261120)

# --------------------------------------------------------------------------
# identifiers
# --------------------------------------------------------------------------
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def rand_str(n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def uuid4() -> str:
    v = rng.getrandbits(128)
    v = (v & ~(0xF000 << 64)) | (0x4000 << 64)        # version 4
    v = (v & ~(0xC000 << 48)) | (0x8000 << 48)        # RFC 4122 variant
    h = f"{v:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def hexstr(n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def stable_id(prefix: str, name: str, n: int = 17) -> str:
    """AROA.../AIDA... principal ids: stable per name, 21 chars like the real ones."""
    digest = hashlib.sha256(name.encode()).digest()
    return prefix + "".join(B32[b % 32] for b in digest[:n])


def key_id(prefix: str) -> str:
    """AKIA/ASIA key id, 20 chars, obviously fake (ends in EXAMPLE)."""
    return prefix + rand_str(9, B32) + "EXAMPLE"


def session_token() -> str:
    return "SAMPLE-SESSION-TOKEN-NOT-REAL-" + hexstr(32)


def s3_request_id() -> str:
    return rand_str(16, UPPER_ALNUM)


def amz_id_2() -> str:
    return base64.b64encode(rng.getrandbits(8 * 57).to_bytes(57, "big")).decode()


# --------------------------------------------------------------------------
# time
# --------------------------------------------------------------------------
def at(day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, ss, tzinfo=timezone.utc)


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def sts_time(t: datetime) -> str:
    """'Nov 20, 2026, 10:05:12 AM' -- how STS/IAM write dates in responseElements."""
    h12 = t.hour % 12 or 12
    return f"{t.strftime('%b')} {t.day}, {t.year}, {h12}:{t.strftime('%M:%S')} {'AM' if t.hour < 12 else 'PM'}"


class Clock:
    """Walks forward a few seconds per call, so a session's records are ordered."""

    def __init__(self, start: datetime):
        self.t = start

    def __call__(self, lo: int = 1, hi: int = 6) -> datetime:
        self.t += timedelta(seconds=rng.randint(lo, hi))
        return self.t

    def jump(self, seconds: int) -> None:
        self.t += timedelta(seconds=seconds)


# --------------------------------------------------------------------------
# identities
# --------------------------------------------------------------------------
def role_arn(name: str, path: str = "/", account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


def user_identity_iam_user(name: str, access_key: str | None, console_login: datetime | None = None,
                           mfa: bool = False) -> dict:
    ident = {
        "type": "IAMUser",
        "principalId": stable_id("AIDA", name),
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
    }
    if access_key is not None:
        ident["accessKeyId"] = access_key
    ident["userName"] = name
    if console_login is not None:          # console session credentials
        ident["sessionContext"] = {
            "sessionIssuer": {},
            "webIdFederationData": {},
            "attributes": {"creationDate": iso(console_login), "mfaAuthenticated": "true" if mfa else "false"},
        }
    return ident


def user_identity_assumed_role(role: str, session: str, access_key: str, created: datetime, *,
                               path: str = "/", account: str = ACCOUNT, invoked_by: str | None = None,
                               mfa: bool = False) -> dict:
    rid = stable_id("AROA", f"{account}:{path}{role}")
    ident = {
        "type": "AssumedRole",
        "principalId": f"{rid}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        "accountId": account,
        "accessKeyId": access_key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": rid,
                "arn": role_arn(role, path, account),
                "accountId": account,
                "userName": role,
            },
            "attributes": {"creationDate": iso(created), "mfaAuthenticated": "true" if mfa else "false"},
        },
    }
    if invoked_by:
        ident["invokedBy"] = invoked_by
    return ident


def user_identity_aws_service(service: str) -> dict:
    return {"type": "AWSService", "invokedBy": service}


# --------------------------------------------------------------------------
# user agents
# --------------------------------------------------------------------------
def cli_ua(command: str, env: str = "codebuild") -> str:
    if env == "codebuild":
        return ("aws-cli/2.22.6 md/awscrt#0.23.4 ua/2.0 os/linux#5.10.228-219.884.amzn2.x86_64 md/arch#x86_64 "
                "lang/python#3.12.6 md/pyimpl#CPython exec-env/AWS_ECS_EC2 cfg/retry-mode#standard "
                f"md/installer#exe md/distrib#amzn.2023 md/prompt#off md/command#{command}")
    return ("aws-cli/2.22.4 md/awscrt#0.23.1 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 "
            f"md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#{command}")


def js_ua(api: str) -> str:
    """CDK CLI: aws-sdk-js v3 with the aws-cdk suffix."""
    return (f"aws-sdk-js/3.699.0 ua/2.1 os/linux#6.8.0-1019-aws lang/js md/nodejs#22.11.0 "
            f"api/{api}#3.699.0 m/E,e aws-cdk/2.171.1")


DOCKER_UA = ("docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/5.10.228-219.884.amzn2.x86_64 os/linux "
             "arch/amd64 UpstreamClient(Docker-Client/27.3.1 \\(linux\\))")
BROWSER_UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")

# --------------------------------------------------------------------------
# record builder
# --------------------------------------------------------------------------
# eventVersion per service, roughly what each service emits today.
EVENT_VERSION = {
    "s3": "1.10", "sts": "1.08", "iam": "1.08", "signin": "1.09", "ecr": "1.08", "ssm": "1.08",
    "secretsmanager": "1.08", "kms": "1.08", "lambda": "1.08", "logs": "1.08", "cloudformation": "1.11",
    "ec2": "1.09", "sqs": "1.09", "sns": "1.08", "dynamodb": "1.08", "events": "1.08", "states": "1.08",
    "monitoring": "1.08", "ecs": "1.08", "codebuild": "1.08", "cloudtrail": "1.11",
}
GLOBAL_HOSTS = {"iam": "iam.amazonaws.com", "signin": "signin.aws.amazon.com"}
READ_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "BatchCheck", "BatchGet", "AssumeRole", "Decrypt")

# Key order of a CloudTrail record as the service writes it.
FIELD_ORDER = [
    "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
    "sourceIPAddress", "userAgent", "errorCode", "errorMessage", "requestParameters", "responseElements",
    "additionalEventData", "requestID", "eventID", "readOnly", "resources", "eventType", "apiVersion",
    "managementEvent", "recipientAccountId", "sharedEventID", "vpcEndpointId", "serviceEventDetails",
    "eventCategory", "tlsDetails", "sessionCredentialFromConsole",
]


@dataclass
class Actor:
    """Who makes calls, from where, with what client."""
    identity: dict
    ip: str
    ua: str = ""                   # fixed UA; if empty, ua_for(service) is used
    ua_for: object = None          # callable(service) -> str
    region: str = "us-east-1"
    tls: bool = True               # False: invokedBy a service, or a console proxy
    console: bool = False          # sessionCredentialFromConsole
    label: str = ""

    def agent(self, service: str) -> str:
        if self.ua:
            return self.ua
        return self.ua_for(service)


RECORDS: list[dict] = []          # everything that lands in a readable log file


def host_for(service: str, region: str) -> str:
    if service in GLOBAL_HOSTS:
        return GLOBAL_HOSTS[service]
    if service == "ecr":
        return f"api.ecr.{region}.amazonaws.com"
    return f"{service}.{region}.amazonaws.com"


def tls(host: str) -> dict:
    return {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": host}


def ordered(rec: dict) -> dict:
    unknown = set(rec) - set(FIELD_ORDER)
    assert not unknown, unknown
    return {k: rec[k] for k in FIELD_ORDER if k in rec}


def ev(actor: Actor, t: datetime, service: str, name: str, params=None, resp=None, *,
       region: str | None = None, read_only: bool | None = None, resources: list | None = None,
       error: tuple[str, str] | None = None, additional: dict | None = None, host: str | None = None,
       request_id: str | None = None, event_type: str = "AwsApiCall", category: str = "Management",
       shared: bool = False, version: str | None = None, service_details: dict | None = None,
       ua: str | None = None, emit: bool = True) -> dict:
    """One CloudTrail record for `actor` calling `service`:`name` at `t`."""
    region = region or actor.region
    host = host or host_for(service, region)
    if read_only is None:
        read_only = name.startswith(READ_PREFIXES)
    rec = {
        "eventVersion": version or EVENT_VERSION[service],
        "userIdentity": actor.identity,
        "eventTime": iso(t),
        "eventSource": f"{service}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": actor.ip,
        "userAgent": ua if ua is not None else actor.agent(service),
    }
    if error:
        rec["errorCode"], rec["errorMessage"] = error
    rec["requestParameters"] = params
    rec["responseElements"] = None if error else resp
    if additional is not None:
        rec["additionalEventData"] = additional
    if event_type == "AwsApiCall":
        rec["requestID"] = request_id or uuid4()
    rec["eventID"] = uuid4()
    rec["readOnly"] = read_only
    if resources:
        rec["resources"] = resources
    rec["eventType"] = event_type
    rec["managementEvent"] = category == "Management"
    rec["recipientAccountId"] = ACCOUNT
    if shared:
        rec["sharedEventID"] = uuid4()
    if service_details is not None:
        rec["serviceEventDetails"] = service_details
    rec["eventCategory"] = category
    if actor.tls and event_type == "AwsApiCall" and not actor.console:
        rec["tlsDetails"] = tls(host)
    if actor.console:
        rec["sessionCredentialFromConsole"] = "true"
    rec = ordered(rec)
    if emit:
        RECORDS.append(rec)
    return rec


def res(arn: str, rtype: str, account: str = ACCOUNT) -> dict:
    return {"accountId": account, "type": rtype, "ARN": arn}


# ---- S3 ------------------------------------------------------------------
def s3_host(bucket: str, region: str = "us-east-1") -> str:
    return f"{bucket}.s3.{region}.amazonaws.com"


def s3_resources(bucket: str, key: str | None = None, prefix: str | None = None) -> list:
    out = []
    if key is not None:
        out.append({"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"})
    elif prefix is not None:
        out.append({"type": "AWS::S3::Object", "ARNPrefix": f"arn:aws:s3:::{bucket}/{prefix}"})
    out.append({"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"})
    return out


def s3_extra(bytes_in: int = 0, bytes_out: int = 0, **more) -> dict:
    d = {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": bytes_in,
         "AuthenticationMethod": "AuthHeader", "x-amz-id-2": amz_id_2(), "bytesTransferredOut": bytes_out}
    d.update(more)
    return d


def s3(actor: Actor, t: datetime, name: str, bucket: str, key: str | None = None, *, extra: dict | None = None,
       resp=None, prefix: str | None = None, bytes_in: int = 0, bytes_out: int = 0, data: bool = True,
       error: tuple[str, str] | None = None, read_only: bool | None = None) -> dict:
    """An S3 call.  data=True: object-level data event; False: bucket-level management event."""
    host = s3_host(bucket, actor.region)
    params = {"bucketName": bucket, "Host": host}
    if key is not None:
        params["key"] = key
    if extra:
        params.update(extra)
    ua = actor.agent("s3")
    if not ua.startswith("[") and "amazonaws.com" not in ua:
        ua = f"[{ua}]"                      # S3 writes SDK/CLI agents in brackets
    if data:
        resources = s3_resources(bucket, key, prefix)
    else:
        resources = [{"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
    return ev(actor, t, "s3", name, params, resp, host=host, request_id=s3_request_id(),
              additional=s3_extra(bytes_in, bytes_out), resources=resources, ua=ua, error=error,
              category="Data" if data else "Management", read_only=read_only)


# ---- STS -----------------------------------------------------------------
def assume_role(actor: Actor, t: datetime, target_role: str, session: str, *, path: str = "/",
                account: str = ACCOUNT, duration: int | None = None, extra_params: dict | None = None,
                shared: bool = False) -> tuple[dict, str]:
    """AssumeRole record; returns (record, access key id of the new session)."""
    arn = role_arn(target_role, path, account)
    new_key = key_id("ASIA")
    params = {"roleArn": arn, "roleSessionName": session}
    if duration:
        params["durationSeconds"] = duration
    if extra_params:
        params.update(extra_params)
    resp = {
        "credentials": {
            "accessKeyId": new_key,
            "sessionToken": session_token(),
            "expiration": sts_time(t + timedelta(seconds=duration or 3600)),
        },
    }
    if actor.identity.get("type") != "AWSService":
        rid = stable_id("AROA", f"{account}:{path}{target_role}")
        resp["assumedRoleUser"] = {
            "assumedRoleId": f"{rid}:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{target_role}/{session}",
        }
    rec = ev(actor, t, "sts", "AssumeRole", params, resp, resources=[res(arn, "AWS::IAM::Role", account)],
             shared=shared)
    return rec, new_key


# --------------------------------------------------------------------------
# shared names
# --------------------------------------------------------------------------
CI_BUCKET = f"ci-artifacts-{ACCOUNT}"
ASSETS_BUCKET = f"cdk-{CDK_Q}-assets-{ACCOUNT}-us-east-1"
KMS_KEY_ID = "0f3c6b1e-2d4a-4c8e-9b7f-5a1d2e3f4a5b"
KMS_KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KMS_KEY_ID}"
SECRETS_KEY_ID = "7c2e9a41-8b3d-4f65-a0c9-1e2d3b4c5d6e"
SECRETS_KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{SECRETS_KEY_ID}"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:ci/docker-hub-Ab3dEf"
FUNCTION = "app-api"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{FUNCTION}"
STACK = "AppStack"
STACK_ID = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/{STACK}/4e8a7c10-b6d2-11ef-9a3f-0e1b2c3d4e5f"
CFN_EXEC_ROLE = f"cdk-{CDK_Q}-cfn-exec-role-{ACCOUNT}-us-east-1"
DEPLOY_ROLE = f"cdk-{CDK_Q}-deploy-role-{ACCOUNT}-us-east-1"
FILE_ROLE = f"cdk-{CDK_Q}-file-publishing-role-{ACCOUNT}-us-east-1"
LOOKUP_ROLE = f"cdk-{CDK_Q}-lookup-role-{ACCOUNT}-us-east-1"
# roles CloudFormation creates for AppStack (physical names: <stack>-<logicalId>-<suffix>)
FN_ROLE = "AppStack-ApiFunctionServiceRoleE1C7A2B4-QK7V2M9XH3PL"
SFN_ROLE = "AppStack-PipelineRoleD4F1B09C-7TRW3ZB1N8KD"
TASK_ROLE = "AppStack-WorkerTaskRole5C0F8E2A-M2XK9QJ4VY7S"
EXEC_ROLE = "AppStack-WorkerExecutionRole8B3E61D7-9PDL2WQ6RTZC"
RULE_ROLE = "AppStack-NightlyRuleEventsRole0A9C3F5B-H6NB4XK2LQ8W"
SFN_ARN = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:AppStack-Pipeline"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:AppStack-AlarmTopic-Z3KD81HQ0PJM"
STACK_TAGS = [{"key": "project", "value": "app"}, {"key": "owner", "value": "platform-team"}]

LAYERS = [  # (digest, size) of the layers docker pushes
    (f"sha256:{hexstr(64)}", 31_457_280), (f"sha256:{hexstr(64)}", 3_623_544),
    (f"sha256:{hexstr(64)}", 28_311_552), (f"sha256:{hexstr(64)}", 1_024), (f"sha256:{hexstr(64)}", 512),
]


def image_manifest(layers) -> str:
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                   "digest": f"sha256:{hexstr(64)}"},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": s, "digest": d}
                   for d, s in layers],
    }, indent=3)


# --------------------------------------------------------------------------
# a. CodeBuild builds of the `ci` role
# --------------------------------------------------------------------------
CODEBUILD_SVC = Actor(user_identity_aws_service("codebuild.amazonaws.com"), "codebuild.amazonaws.com",
                      ua="codebuild.amazonaws.com", tls=False, label="AWS service (codebuild)")

FIXTURE_RECORDS: list[dict] = []   # ci-role management events re-emitted in other formats


def ci_actors(build_uuid: str, created: datetime, key: str) -> tuple[Actor, Actor, Actor]:
    session = f"AWSCodeBuild-{build_uuid}"
    ident = user_identity_assumed_role("ci", session, key, created)
    cli = Actor(ident, "198.51.100.23", ua_for=lambda svc: cli_ua({
        "sts": "sts.get-caller-identity", "ecr": "ecr.get-login-password", "s3": "s3.cp",
        "ssm": "ssm.get-parameter", "secretsmanager": "secretsmanager.get-secret-value", "kms": "kms.decrypt",
        "lambda": "lambda.update-function-code", "cloudformation": "cloudformation.describe-stacks",
    }.get(svc, f"{svc}.unknown")), label="ci")
    docker = Actor(ident, "198.51.100.23", ua=DOCKER_UA, label="ci")
    via_codebuild = Actor(user_identity_assumed_role("ci", session, key, created,
                                                     invoked_by="codebuild.amazonaws.com"),
                          "codebuild.amazonaws.com", ua="codebuild.amazonaws.com", tls=False, label="ci")
    return cli, docker, via_codebuild


def docker_push(docker: Actor, clk: Clock, tag: str, layers, region: str = "us-east-1") -> dict:
    repo_arn = f"arn:aws:ecr:{region}:{ACCOUNT}:repository/app"
    host = f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com"
    repo = [res(repo_arn, "AWS::ECR::Repository")]
    base = {"repositoryName": "app", "registryId": ACCOUNT}
    ev(docker, clk(), "ecr", "BatchCheckLayerAvailability", {**base, "layerDigests": [d for d, _ in layers]},
       None, host=host, resources=repo, region=region)
    for digest, size in layers[:3]:                 # the first three are new; the base layers already exist
        upload_id = uuid4()
        ev(docker, clk(), "ecr", "InitiateLayerUpload", dict(base),
           {"uploadId": upload_id, "partSize": 10_485_760}, host=host, resources=repo, region=region)
        first = 0
        while first < size:
            last = min(first + 10_485_760, size) - 1
            ev(docker, clk(1, 4), "ecr", "UploadLayerPart",
               {**base, "uploadId": upload_id, "partFirstByte": first, "partLastByte": last},
               {"registryId": ACCOUNT, "repositoryName": "app", "uploadId": upload_id, "lastByteReceived": last},
               host=host, resources=repo, region=region)
            first = last + 1
        ev(docker, clk(), "ecr", "CompleteLayerUpload", {**base, "uploadId": upload_id, "layerDigests": [digest]},
           {"registryId": ACCOUNT, "repositoryName": "app", "uploadId": upload_id, "layerDigest": digest},
           host=host, resources=repo, region=region)
    manifest = image_manifest(layers)
    rec = ev(docker, clk(), "ecr", "PutImage",
             {**base, "imageTag": tag, "imageManifest": manifest,
              "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json"},
             {"image": {"registryId": ACCOUNT, "repositoryName": "app",
                        "imageId": {"imageDigest": f"sha256:{hexstr(64)}", "imageTag": tag},
                        "imageManifest": manifest,
                        "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json"}},
             host=host, resources=repo, region=region)
    return rec


LOG_NAMES = (
    [f"phase-{p}.log" for p in ("download-source", "install", "pre-build", "build", "post-build", "upload-artifacts")]
    + [f"unit-{suite}.log" for suite in ("api", "auth", "billing", "cache", "config", "db", "events", "http",
                                         "jobs", "mail", "metrics", "queue", "search", "storage", "users")]
    + [f"integration-shard-{i:02d}.log" for i in range(1, 13)]
    + [f"lint-{tool}.log" for tool in ("eslint", "prettier", "tsc", "hadolint", "shellcheck", "cfn-lint", "audit")]
)
assert len(LOG_NAMES) == 40


def codebuild_build(build: int, start: datetime, *, full: bool) -> None:
    """One build of the `ci` project; full=True is build 1234, the one with every kind of call."""
    clk = Clock(start)
    build_uuid = uuid4()
    # CodeBuild (the service) assumes the project's service role for the build.
    _, key = assume_role(CODEBUILD_SVC, clk(), "ci", f"AWSCodeBuild-{build_uuid}", shared=True)
    created = clk.t
    cli, docker, via_cb = ci_actors(build_uuid, created, key)
    fixture = FIXTURE_RECORDS if full else []

    fixture.append(ev(via_cb, clk(), "logs", "CreateLogStream",
                      {"logGroupName": "/aws/codebuild/ci", "logStreamName": build_uuid}, None))
    ev(via_cb, clk(), "ssm", "GetParameters",
       {"names": ["/ci/app/db-host", "/ci/app/db-name"], "withDecryption": True}, None)
    fixture.append(ev(cli, clk(8, 20), "sts", "GetCallerIdentity", None, None))

    # cache restore
    prev = f"builds/{build - 1}/"
    s3(cli, clk(), "ListObjects", CI_BUCKET, prefix=prev,
       extra={"list-type": "2", "encoding-type": "url", "prefix": prev, "delimiter": "/"}, bytes_out=1_873)
    cache_key = f"cache/node-modules-{hexstr(12)}.tar.gz"
    s3(cli, clk(), "HeadObject", CI_BUCKET, cache_key)
    s3(cli, clk(1, 3), "GetObject", CI_BUCKET, cache_key, bytes_out=148_213_760)

    # secrets and parameters
    if full:
        fixture.append(ev(cli, clk(), "ssm", "GetParameter", {"name": "/ci/app/db-host", "withDecryption": True},
                          None))
        ev(cli, clk(1, 2), "ssm", "GetParameter", {"name": "/ci/app/db-host", "withDecryption": True}, None,
           error=("ThrottlingException", "Rate exceeded"))
        fixture.append(ev(cli, clk(), "secretsmanager", "GetSecretValue", {"secretId": "ci/docker-hub"}, None))
        # ... and Secrets Manager decrypting it on the caller's behalf
        sm = Actor(user_identity_assumed_role("ci", f"AWSCodeBuild-{build_uuid}", key, created,
                                              invoked_by="secretsmanager.amazonaws.com"),
                   "secretsmanager.amazonaws.com", ua="secretsmanager.amazonaws.com", tls=False)
        ev(sm, clk.t, "kms", "Decrypt",
           {"encryptionContext": {"SecretARN": SECRET_ARN, "SecretVersionId": uuid4()},
            "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, None,
           resources=[res(SECRETS_KEY_ARN, "AWS::KMS::Key")])
        fixture.append(ev(cli, clk(), "kms", "Decrypt",
                          {"keyId": KMS_KEY_ARN, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, None,
                          resources=[res(KMS_KEY_ARN, "AWS::KMS::Key")]))

    # docker push to ECR
    fixture.append(ev(cli, clk(30, 90), "ecr", "GetAuthorizationToken", None, None))
    clk.jump(240)
    put_image = docker_push(docker, clk, str(build), LAYERS if full else LAYERS[2:])
    if full:
        fixture.append(put_image)

    # build logs and artifacts to S3
    clk.jump(60)
    names = LOG_NAMES if full else LOG_NAMES[:6] + sorted(rng.sample(LOG_NAMES[6:], 10))
    for name in names:
        s3(cli, clk(1, 4), "PutObject", CI_BUCKET, f"builds/{build}/logs/{name}",
           resp={"x-amz-server-side-encryption": "AES256"}, bytes_in=rng.randint(2_000, 900_000))
    if full:
        for name in rng.sample(LOG_NAMES[6:33], 10):                # report step reads test logs back
            k = f"builds/{build}/logs/{name}"
            s3(cli, clk(), "HeadObject", CI_BUCKET, k)
            s3(cli, clk(1, 2), "GetObject", CI_BUCKET, k, bytes_out=rng.randint(2_000, 90_000))
        # test report with awkward characters in the key
        s3(cli, clk(), "PutObject", CI_BUCKET, "reports/*latest.csv",
           resp={"x-amz-server-side-encryption": "AES256"}, bytes_in=18_442)
        s3(cli, clk(), "GetObject", CI_BUCKET, "reports/*latest.csv", bytes_out=18_442)
        s3(cli, clk(), "PutObject", CI_BUCKET, "reports/coverage?.json",
           resp={"x-amz-server-side-encryption": "AES256"}, bytes_in=5_210)

    # the bundle, multipart
    art = f"builds/{build}/app.zip"
    upload_id = base64.urlsafe_b64encode(rng.getrandbits(8 * 48).to_bytes(48, "big")).decode().rstrip("=")
    s3(cli, clk(), "CreateMultipartUpload", CI_BUCKET, art, extra={"uploads": ""},
       resp={"x-amz-server-side-encryption": "AES256", "bucket": CI_BUCKET, "key": art, "uploadId": upload_id})
    for part in range(1, 4 if full else 3):
        s3(cli, clk(2, 8), "UploadPart", CI_BUCKET, art, extra={"partNumber": str(part), "uploadId": upload_id},
           resp={"x-amz-server-side-encryption": "AES256"}, bytes_in=8_388_608)
    s3(cli, clk(), "CompleteMultipartUpload", CI_BUCKET, art, extra={"uploadId": upload_id},
       resp={"x-amz-server-side-encryption": "AES256"}, bytes_in=412)
    if full:
        s3(cli, clk(), "CopyObject", CI_BUCKET, "releases/latest/app.zip",
           extra={"x-amz-copy-source": f"{CI_BUCKET}/{art}", "x-id": "CopyObject"},
           resp={"x-amz-server-side-encryption": "AES256"})
        s3(cli, clk(), "DeleteObjects", CI_BUCKET, prefix="", extra={"delete": "", "x-id": "DeleteObjects"},
           bytes_in=1_164)

    # deploy the function
    if full:
        fixture.append(ev(cli, clk(5, 15), "lambda", "GetFunction20150331v2", {"functionName": FUNCTION}, None))
        fixture.append(ev(cli, clk(), "lambda", "UpdateFunctionCode20150331v2",
                          {"functionName": FUNCTION, "s3Bucket": CI_BUCKET, "s3Key": art, "publish": False,
                           "dryRun": False},
                          lambda_config(clk.t, last_update="InProgress")))
        fixture.append(ev(cli, clk(20, 40), "lambda", "UpdateFunctionConfiguration20150331v2",
                          {"functionName": FUNCTION, "timeout": 1200}, None,
                          error=("ValidationException",
                                 "1 validation error detected: Value '1200' at 'timeout' failed to satisfy "
                                 "constraint: Member must have value less than or equal to 900")))
        fixture.append(ev(cli, clk(10, 20), "lambda", "UpdateFunctionConfiguration20150331v2",
                          {"functionName": FUNCTION, "role": role_arn(FN_ROLE), "timeout": 60,
                           "environment": {}},
                          lambda_config(clk.t, timeout=60, last_update="InProgress")))
        fixture.append(ev(cli, clk(), "cloudformation", "DescribeStacks", {"stackName": STACK}, None,
                          error=("AccessDenied",
                                 f"User: {cli.identity['arn']} is not authorized to perform: "
                                 f"cloudformation:DescribeStacks on resource: arn:aws:cloudformation:us-east-1:"
                                 f"{ACCOUNT}:stack/{STACK}/* because no identity-based policy allows the "
                                 f"cloudformation:DescribeStacks action")))
    ev(via_cb, clk(10, 30), "logs", "CreateLogStream",
       {"logGroupName": "/aws/codebuild/ci", "logStreamName": f"{build_uuid}-post-build"}, None)


def lambda_config(t: datetime, *, timeout: int = 30, last_update: str = "Successful") -> dict:
    return {
        "functionName": FUNCTION, "functionArn": FUNCTION_ARN, "runtime": "nodejs20.x", "role": role_arn(FN_ROLE),
        "handler": "index.handler", "codeSize": 2_481_733, "description": "", "timeout": timeout,
        "memorySize": 256, "lastModified": t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "codeSha256": base64.b64encode(rng.getrandbits(256).to_bytes(32, "big")).decode(),
        "version": "$LATEST", "tracingConfig": {"mode": "PassThrough"}, "revisionId": uuid4(), "state": "Active",
        "lastUpdateStatus": last_update, "packageType": "Zip", "architectures": ["arm64"],
        "ephemeralStorage": {"size": 512}, "snapStart": {"applyOn": "None", "optimizationStatus": "Off"},
        "loggingConfig": {"logFormat": "Text", "logGroup": f"/aws/lambda/{FUNCTION}"},
    }


# --------------------------------------------------------------------------
# b. CDK deploy
# --------------------------------------------------------------------------
def cdk_deploy(start: datetime) -> None:
    clk = Clock(start)
    user = Actor(user_identity_iam_user("cdk-deploy", key_id("AKIA")), "203.0.113.10", ua_for=js_ua,
                 label="cdk-deploy")
    ev(user, clk(), "sts", "GetCallerIdentity", None, None)

    sessions = {}
    for role in (LOOKUP_ROLE, FILE_ROLE, DEPLOY_ROLE):
        _, k = assume_role(user, clk(1, 3), role, "aws-cdk-cdk-deploy")
        sessions[role] = Actor(user_identity_assumed_role(role, "aws-cdk-cdk-deploy", k, clk.t), "203.0.113.10",
                               ua_for=js_ua, label=role)
    lookup, files, deploy = sessions[LOOKUP_ROLE], sessions[FILE_ROLE], sessions[DEPLOY_ROLE]

    # context lookups (Vpc.fromLookup)
    ev(lookup, clk(), "ssm", "GetParameter", {"name": f"/cdk-bootstrap/{CDK_Q}/version"}, None)
    ev(lookup, clk(), "ec2", "DescribeVpcs",
       {"vpcSet": {}, "filterSet": {"items": [{"name": "tag:Name", "valueSet": {"items": [{"value": "shared-vpc"}]}}]}},
       None)
    vpc = "vpc-0a1b2c3d4e5f67890"
    for name in ("DescribeSubnets", "DescribeRouteTables", "DescribeVpnGateways"):
        ev(lookup, clk(1, 2), "ec2", name,
           {"filterSet": {"items": [{"name": "vpc-id" if name != "DescribeVpnGateways" else "attachment.vpc-id",
                                     "valueSet": {"items": [{"value": vpc}]}}]}}, None)

    # asset publishing
    clk.jump(20)
    s3(files, clk(), "GetBucketLocation", ASSETS_BUCKET, extra={"location": ""}, data=False)
    template_key = f"{hexstr(64)}.json"
    code_key = f"{hexstr(64)}.zip"
    for k, size in ((template_key, 24_576), (code_key, 2_481_733)):
        s3(files, clk(), "HeadObject", ASSETS_BUCKET, k, error=("NoSuchKey", "The specified key does not exist."))
        s3(files, clk(1, 4), "PutObject", ASSETS_BUCKET, k, resp={"x-amz-server-side-encryption": "aws:kms",
                                                                   "x-amz-server-side-encryption-aws-kms-key-id":
                                                                       KMS_KEY_ARN}, bytes_in=size)

    # deployment
    clk.jump(5)
    ev(deploy, clk(), "ssm", "GetParameter", {"name": f"/cdk-bootstrap/{CDK_Q}/version"}, None)
    ev(deploy, clk(), "cloudformation", "DescribeStacks", {"stackName": STACK}, None)
    cs_arn = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:changeSet/cdk-deploy-change-set/{uuid4()}"
    ev(deploy, clk(2, 5), "cloudformation", "CreateChangeSet", {
        "stackName": STACK,
        "templateURL": f"https://s3.us-east-1.amazonaws.com/{ASSETS_BUCKET}/{template_key}",
        "parameters": [{"parameterKey": "BootstrapVersion", "parameterValue": f"/cdk-bootstrap/{CDK_Q}/version"}],
        "capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        "roleARN": role_arn(CFN_EXEC_ROLE),
        "notificationARNs": [],
        "tags": STACK_TAGS,
        "changeSetName": "cdk-deploy-change-set",
        "description": f"CDK Changeset for execution {uuid4()}",
        "changeSetType": "UPDATE",
    }, {"id": cs_arn, "stackId": STACK_ID})
    for _ in range(3):
        ev(deploy, clk(3, 6), "cloudformation", "DescribeChangeSet",
           {"changeSetName": "cdk-deploy-change-set", "stackName": STACK}, None)
    ev(deploy, clk(), "cloudformation", "ExecuteChangeSet",
       {"changeSetName": "cdk-deploy-change-set", "stackName": STACK}, None)
    exec_start = clk.t

    # CloudFormation works as the exec role while the CLI polls
    cfn_service = Actor(user_identity_aws_service("cloudformation.amazonaws.com"), "cloudformation.amazonaws.com",
                        ua="cloudformation.amazonaws.com", tls=False)
    _, exec_key = assume_role(cfn_service, exec_start + timedelta(seconds=2), CFN_EXEC_ROLE, "AWSCloudFormation",
                              shared=True)
    cfn = Actor(user_identity_assumed_role(CFN_EXEC_ROLE, "AWSCloudFormation", exec_key,
                                           exec_start + timedelta(seconds=2),
                                           invoked_by="cloudformation.amazonaws.com"),
                "cloudformation.amazonaws.com", ua="cloudformation.amazonaws.com", tls=False, label="cfn-exec")
    cfn_clock = Clock(exec_start + timedelta(seconds=3))
    cfn_resources(cfn, cfn_clock)

    poll = Clock(exec_start)
    while poll.t < cfn_clock.t:
        ev(deploy, poll(8, 15), "cloudformation", "DescribeStackEvents", {"stackName": STACK_ID}, None)
    ev(deploy, poll(), "cloudformation", "DescribeStacks", {"stackName": STACK}, None)
    ev(deploy, poll(), "cloudformation", "GetTemplate", {"stackName": STACK, "templateStage": "Original"}, None)


def trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def create_role(cfn: Actor, t: datetime, name: str, service: str) -> None:
    doc = trust(service)
    ev(cfn, t, "iam", "CreateRole",
       {"path": "/", "roleName": name, "assumeRolePolicyDocument": doc, "tags": STACK_TAGS},
       {"role": {"path": "/", "roleName": name, "roleId": stable_id("AROA", f"{ACCOUNT}:/{name}"),
                 "arn": role_arn(name), "createDate": sts_time(t),
                 "assumeRolePolicyDocument": json.dumps(json.loads(doc)).replace('"', "%22").replace(" ", "%20")
                 .replace("{", "%7B").replace("}", "%7D").replace(":", "%3A").replace(",", "%2C")
                 .replace("[", "%5B").replace("]", "%5D"),
                 "tags": STACK_TAGS}})


def cfn_resources(cfn: Actor, clk: Clock) -> None:
    # IAM roles
    for name, svc in ((FN_ROLE, "lambda.amazonaws.com"), (SFN_ROLE, "states.amazonaws.com"),
                      (TASK_ROLE, "ecs-tasks.amazonaws.com"), (EXEC_ROLE, "ecs-tasks.amazonaws.com"),
                      (RULE_ROLE, "events.amazonaws.com")):
        create_role(cfn, clk(1, 3), name, svc)
    for name, policy in ((FN_ROLE, "service-role/AWSLambdaBasicExecutionRole"),
                         (EXEC_ROLE, "service-role/AmazonECSTaskExecutionRolePolicy")):
        ev(cfn, clk(), "iam", "AttachRolePolicy", {"roleName": name, "policyArn": f"arn:aws:iam::aws:policy/{policy}"},
           None)
    inline = {
        FN_ROLE: {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "sqs:SendMessage"],
                  "Resource": [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/AppStack-ItemsTable-1RZ8Q0Y3K5T6W",
                               f"arn:aws:sqs:us-east-1:{ACCOUNT}:AppStack-JobsQueue-Vx3pQ8Lm2KdA"]},
        SFN_ROLE: {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": FUNCTION_ARN},
        RULE_ROLE: {"Effect": "Allow", "Action": "states:StartExecution", "Resource": SFN_ARN},
    }
    for name, stmt in inline.items():
        policy_name = name.split("-")[1].replace("Role", "RoleDefaultPolicy")
        ev(cfn, clk(), "iam", "PutRolePolicy", {"roleName": name, "policyName": policy_name,
                                                "policyDocument": json.dumps({"Version": "2012-10-17",
                                                                              "Statement": [stmt]})}, None)
    for name in (FN_ROLE, SFN_ROLE, TASK_ROLE, EXEC_ROLE):
        ev(cfn, clk(), "iam", "GetRole", {"roleName": name}, None)

    # data stores and messaging
    queue = "AppStack-JobsQueue-Vx3pQ8Lm2KdA"
    ev(cfn, clk(), "sqs", "CreateQueue",
       {"queueName": queue, "attributes": {"VisibilityTimeout": "300", "SqsManagedSseEnabled": "true"},
        "tags": {"project": "app", "owner": "platform-team"}},
       {"queueUrl": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{queue}"})
    ev(cfn, clk(), "sns", "CreateTopic", {"name": TOPIC_ARN.rsplit(":", 1)[1], "tags": STACK_TAGS},
       {"topicArn": TOPIC_ARN})
    table = "AppStack-ItemsTable-1RZ8Q0Y3K5T6W"
    ev(cfn, clk(), "dynamodb", "CreateTable", {
        "attributeDefinitions": [{"attributeName": "pk", "attributeType": "S"},
                                 {"attributeName": "sk", "attributeType": "S"}],
        "tableName": table,
        "keySchema": [{"attributeName": "pk", "keyType": "HASH"}, {"attributeName": "sk", "keyType": "RANGE"}],
        "billingMode": "PAY_PER_REQUEST",
        "sSESpecification": {"enabled": True},
        "tags": STACK_TAGS,
    }, {"tableDescription": {
        "tableName": table, "tableStatus": "CREATING",
        "tableArn": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}", "tableId": uuid4(),
        "creationDateTime": sts_time(clk.t), "itemCount": 0, "tableSizeBytes": 0,
        "billingModeSummary": {"billingMode": "PAY_PER_REQUEST"}}},
       resources=[res(f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}", "AWS::DynamoDB::Table")])
    for _ in range(2):
        ev(cfn, clk(5, 10), "dynamodb", "DescribeTable", {"tableName": table}, None,
           resources=[res(f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}", "AWS::DynamoDB::Table")])
    ev(cfn, clk(), "logs", "CreateLogGroup", {"logGroupName": f"/aws/lambda/{FUNCTION}",
                                              "tags": {"project": "app", "owner": "platform-team"}}, None)
    ev(cfn, clk(), "logs", "PutRetentionPolicy", {"logGroupName": f"/aws/lambda/{FUNCTION}",
                                                  "retentionInDays": 30}, None)

    # S3 bucket
    bucket = "appstack-uploadsbucket-1q2w3e4r5t6y"
    s3(cfn, clk(), "CreateBucket", bucket, data=False, extra={"x-amz-object-ownership": "BucketOwnerEnforced"})
    s3(cfn, clk(), "PutBucketEncryption", bucket, data=False, extra={
        "encryption": "",
        "ServerSideEncryptionConfiguration": {"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/", "Rule": {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KMS_KEY_ARN},
            "BucketKeyEnabled": True}}})
    s3(cfn, clk(), "GetBucketEncryption", bucket, data=False, extra={"encryption": ""})
    s3(cfn, clk(), "PutBucketPolicy", bucket, data=False, extra={
        "policy": "",
        "bucketPolicy": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}})

    # compute
    clk.jump(20)
    ev(cfn, clk(), "lambda", "CreateFunction20150331", {
        "functionName": FUNCTION, "runtime": "nodejs20.x", "role": role_arn(FN_ROLE), "handler": "index.handler",
        "code": {"s3Bucket": ASSETS_BUCKET, "s3Key": f"{hexstr(64)}.zip"}, "description": "",
        "timeout": 30, "memorySize": 256, "publish": False,
        "environment": {},
        "tags": {"project": "app", "owner": "platform-team", "aws:cloudformation:stack-name": STACK,
                 "aws:cloudformation:logical-id": "ApiFunctionCE271BD4", "aws:cloudformation:stack-id": STACK_ID},
        "architectures": ["arm64"],
        "loggingConfig": {"logGroup": f"/aws/lambda/{FUNCTION}"},
    }, lambda_config(clk.t, last_update="Successful") | {"state": "Pending"})
    ev(cfn, clk(3, 6), "lambda", "GetFunction20150331v2", {"functionName": FUNCTION}, None)
    ev(cfn, clk(), "ecs", "RegisterTaskDefinition", {
        "family": "AppStackWorkerTaskDefA1B2C3D4",
        "taskRoleArn": role_arn(TASK_ROLE), "executionRoleArn": role_arn(EXEC_ROLE),
        "networkMode": "awsvpc",
        "containerDefinitions": [{"name": "worker", "image": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app:1233",
                                  "cpu": 0, "essential": True, "environment": [],
                                  "logConfiguration": {"logDriver": "awslogs", "options": {
                                      "awslogs-group": "/ecs/app-worker", "awslogs-region": "us-east-1",
                                      "awslogs-stream-prefix": "worker"}}}],
        "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512", "tags": STACK_TAGS,
    }, {"taskDefinition": {
        "taskDefinitionArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/AppStackWorkerTaskDefA1B2C3D4:7",
        "family": "AppStackWorkerTaskDefA1B2C3D4", "revision": 7, "status": "ACTIVE",
        "taskRoleArn": role_arn(TASK_ROLE), "executionRoleArn": role_arn(EXEC_ROLE)}})
    ev(cfn, clk(), "states", "CreateStateMachine", {
        "name": "AppStack-Pipeline", "definition": "HIDDEN_DUE_TO_SECURITY_REASONS", "roleArn": role_arn(SFN_ROLE),
        "type": "STANDARD", "tags": STACK_TAGS,
    }, {"stateMachineArn": SFN_ARN, "creationDate": sts_time(clk.t)})
    rule = "AppStack-NightlyRule3F0D1C2B-1JX6W5VZ9K3QE"
    ev(cfn, clk(), "events", "PutRule", {"name": rule, "scheduleExpression": "cron(0 3 * * ? *)",
                                         "state": "ENABLED", "tags": STACK_TAGS},
       {"ruleArn": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{rule}"})
    ev(cfn, clk(), "events", "PutTargets", {"rule": rule, "targets": [
        {"id": "Target0", "arn": SFN_ARN, "roleArn": role_arn(RULE_ROLE)}]},
       {"failedEntryCount": 0, "failedEntries": []})
    ev(cfn, clk(), "monitoring", "PutMetricAlarm", {
        "alarmName": "AppStack-ApiErrorsAlarm-5RZ0K2T8Y1QW", "actionsEnabled": True,
        "alarmActions": [TOPIC_ARN], "metricName": "Errors", "namespace": "AWS/Lambda", "statistic": "Sum",
        "dimensions": [{"name": "FunctionName", "value": FUNCTION}], "period": 300, "evaluationPeriods": 1,
        "threshold": 1.0, "comparisonOperator": "GreaterThanOrEqualToThreshold", "treatMissingData": "notBreaching",
    }, None)
    ev(cfn, clk(), "codebuild", "CreateProject", {
        "name": "ci",
        "source": {"type": "GITHUB", "location": "https://github.com/example-org/app.git",
                   "buildspec": "buildspec.yml"},
        "artifacts": {"type": "S3", "location": CI_BUCKET, "packaging": "NONE"},
        "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/amazonlinux2-x86_64-standard:5.0",
                        "computeType": "BUILD_GENERAL1_MEDIUM", "privilegedMode": True},
        "serviceRole": role_arn("ci"),
        "logsConfig": {"cloudWatchLogs": {"status": "ENABLED", "groupName": "/aws/codebuild/ci"}},
        "tags": STACK_TAGS,
    }, {"project": {"name": "ci", "arn": f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/ci",
                    "serviceRole": role_arn("ci"), "created": sts_time(clk.t)}})
    ev(cfn, clk(5, 12), "states", "DescribeStateMachine", {"stateMachineArn": SFN_ARN}, None)


# --------------------------------------------------------------------------
# c. alice in the console
# --------------------------------------------------------------------------
def alice_console(start: datetime) -> None:
    clk = Clock(start)
    ip = "203.0.113.77"
    signin = Actor(user_identity_iam_user("alice", None), ip, ua=BROWSER_UA, label="alice")
    login_url = "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB"
    ev(signin, clk(), "signin", "CheckMfa", None, {"CheckMfa": "Success"}, event_type="AwsConsoleSignIn",
       additional={"MfaType": "Virtual MFA"}, read_only=False)
    ev(signin, clk(5, 15), "signin", "ConsoleLogin", None, {"ConsoleLogin": "Success"},
       event_type="AwsConsoleSignIn", read_only=False,
       additional={"LoginTo": login_url, "MobileVersion": "No",
                   "MFAIdentifier": f"arn:aws:iam::{ACCOUNT}:mfa/alice-phone", "MFAUsed": "Yes"})
    login = clk.t
    console = Actor(user_identity_iam_user("alice", key_id("ASIA"), console_login=login, mfa=True), ip,
                    ua="AWS Internal", console=True, label="alice")
    ev(console, clk(20, 40), "iam", "ListRoles", {"maxItems": 1000}, None)
    ev(console, clk(5, 10), "iam", "ListRoles", {"marker": hexstr(40), "maxItems": 1000}, None)
    ev(console, clk(10, 30), "iam", "GetRole", {"roleName": "ci"}, None)
    ev(console, clk(1, 3), "iam", "ListAttachedRolePolicies", {"roleName": "ci"}, None)
    ev(console, clk(1, 3), "iam", "ListRolePolicies", {"roleName": "ci"}, None)
    ev(console, clk(30, 60), "cloudtrail", "LookupEvents",
       {"maxResults": 50, "lookupAttributes": [{"attributeKey": "ReadOnly", "attributeValue": "false"}]}, None)
    ev(console, clk(10, 20), "cloudtrail", "LookupEvents",
       {"maxResults": 50, "lookupAttributes": [{"attributeKey": "EventName", "attributeValue": "UpdateFunctionCode20150331v2"}],
        "startTime": "Nov 20, 2026, 12:00:00 AM", "endTime": sts_time(clk.t)}, None)
    s3_console = Actor(console.identity, ip, ua="[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.779 "
                                                "Linux/5.10.228-198.884.amzn2int.x86_64 "
                                                "OpenJDK_64-Bit_Server_VM/17.0.13+11-LTS java/17.0.13 "
                                                "vendor/Amazon.com_Inc. cfg/retry-mode/standard]",
                       console=True)
    ev(s3_console, clk(20, 40), "s3", "ListBuckets", {"Host": "s3.us-east-1.amazonaws.com"}, None,
       request_id=s3_request_id(), additional=s3_extra(0, 2_917))


# --------------------------------------------------------------------------
# d. IAM Identity Center (SSO) administrator from the CLI
# --------------------------------------------------------------------------
SSO_ROLE = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
SSO_PATH = "/aws-reserved/sso.amazonaws.com/"


def sso_session(start: datetime) -> None:
    clk = Clock(start)
    ident = user_identity_assumed_role(SSO_ROLE, "jdoe@example.com", key_id("ASIA"), start - timedelta(minutes=3),
                                       path=SSO_PATH)
    admin = Actor(ident, "192.0.2.44", ua_for=lambda svc: cli_ua(f"{svc}.describe", env="laptop"), label="sso")
    ev(admin, clk(), "sts", "GetCallerIdentity", None, None)
    ev(admin, clk(), "ec2", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}, None)
    ev(admin, clk(), "ec2", "DescribeSecurityGroups", {"securityGroupSet": {}, "securityGroupIdSet": {},
                                                       "filterSet": {}}, None)
    ev(admin, clk(), "cloudformation", "DescribeStacks", {"stackName": STACK}, None)
    ev(admin, clk(), "cloudformation", "DescribeStackResources", {"stackName": STACK}, None)
    ev(admin, clk(), "lambda", "ListFunctions20150331", None, None)
    ev(admin, clk(), "logs", "DescribeLogGroups", {"logGroupNamePrefix": "/aws/lambda/"}, None)
    # a look at the disaster-recovery region
    west = Actor(ident, "192.0.2.44", ua_for=admin.ua_for, region="us-west-2", label="sso")
    ev(west, clk(10, 20), "ec2", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}, None)
    ev(west, clk(), "ec2", "DescribeVpcs", {"vpcSet": {}, "filterSet": {}}, None)
    ev(west, clk(), "ec2", "DescribeSnapshots", {"snapshotSet": {}, "ownersSet": {"items": [{"owner": "self"}]},
                                                 "sharedUsersSet": {}, "filterSet": {}}, None)
    ev(west, clk(), "cloudformation", "DescribeStacks", None, None)


# --------------------------------------------------------------------------
# e. AWS itself, and records the filters should drop
# --------------------------------------------------------------------------
def lambda_cold_start(t: datetime) -> None:
    svc = Actor(user_identity_aws_service("lambda.amazonaws.com"), "lambda.amazonaws.com",
                ua="lambda.amazonaws.com", tls=False, label="AWS service (lambda)")
    assume_role(svc, t, FN_ROLE, FUNCTION, shared=True)


def kms_rotation(t: datetime) -> None:
    svc = Actor({"accountId": ACCOUNT, "invokedBy": "kms.amazonaws.com"}, "kms.amazonaws.com",
                ua="kms.amazonaws.com", tls=False, label="AWS service (kms)")
    ev(svc, t, "kms", "RotateKey", None, None, event_type="AwsServiceEvent", read_only=False,
       resources=[res(KMS_KEY_ARN, "AWS::KMS::Key")], service_details={"keyId": KMS_KEY_ID})


def ecr_lifecycle(t: datetime) -> None:
    svc = Actor({"accountId": ACCOUNT, "invokedBy": "AWS Internal"}, "AWS Internal", ua="AWS Internal",
                tls=False, label="AWS service (ecr)")
    ev(svc, t, "ecr", "PolicyExecutionEvent", None, None, event_type="AwsServiceEvent", read_only=False,
       resources=[res(f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/app", "AWS::ECR::Repository")],
       service_details={"repositoryName": "app", "lifecycleEventPolicy": {
           "lifecycleEventRules": [{"rulePriority": 1, "description": "keep the last 30 images",
                                    "lifecycleEventSelection": {"tagStatus": "Any", "countType": "Image count more than",
                                                                "countNumber": 30}, "action": "expire"}],
           "lastEvaluatedAt": 0, "policyVersion": 1, "policyId": uuid4()},
           "lifecycleEventImageActions": [{"lifecycleEventImage": {
               "digest": f"sha256:{hexstr(64)}", "tagStatus": "Tagged", "tagList": ["1201"],
               "pushedAt": 1_792_000_000_000}, "rulePriority": 1}]})


def ci_in_us_west_2(t: datetime) -> None:
    """The one ci-role call made in another region."""
    cli, _, _ = ci_actors(uuid4(), t - timedelta(minutes=6), key_id("ASIA"))
    west = Actor(cli.identity, cli.ip, ua=cli_ua("ecr.get-login-password"), region="us-west-2", label="ci")
    ev(west, t, "ecr", "GetAuthorizationToken", None, None)


def cross_account_assume(t: datetime) -> None:
    """A role in 444455556666 assuming a read-only role here."""
    ident = user_identity_assumed_role("security-audit", "audit-scanner", key_id("ASIA"), t - timedelta(minutes=20),
                                       account=OTHER_ACCOUNT)
    ident["accountId"] = OTHER_ACCOUNT
    other = Actor(ident, "192.0.2.200", ua="Boto3/1.35.72 md/Botocore#1.35.72 ua/2.0 os/linux#6.1.115 "
                                           "md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython "
                                           "cfg/retry-mode#legacy Botocore/1.35.72", label="other account")
    assume_role(other, t, "audit-readonly", "audit-scanner", duration=900,
                extra_params={"externalId": "HIDDEN_DUE_TO_SECURITY_REASONS"}, shared=True)


# --------------------------------------------------------------------------
# writing files
# --------------------------------------------------------------------------
def gzip_bytes(raw: bytes) -> bytes:
    """gzip member with a fixed header: no file name, mtime 0, OS byte 0 (like Java's GZIPOutputStream)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 9)
    body = comp.compress(raw) + comp.flush()
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00" + body + struct.pack("<II", zlib.crc32(raw), len(raw) & 0xFFFFFFFF)


def compact(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def log_dir(region: str, when: datetime, kind: str = "CloudTrail", base: Path = HERE) -> Path:
    return base / "AWSLogs" / ORG_ID / ACCOUNT / kind / region / when.strftime("%Y/%m/%d")


def log_name(region: str, delivered: datetime) -> str:
    return f"{ACCOUNT}_CloudTrail_{region}_{delivered.strftime('%Y%m%dT%H%MZ')}_{rand_str(16)}.json.gz"


@dataclass
class LogFile:
    region: str
    delivered: datetime
    records: list = field(default_factory=list)
    path: Path | None = None
    raw: bytes = b""


def parse_time(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def pack(records: list[dict]) -> list[LogFile]:
    """Group records into delivery files the way a trail does: per region, bursts of activity
    (no gap over 10 minutes) cut into files of roughly 10 minutes / at most ~45 records."""
    files: list[LogFile] = []
    for region in sorted({r["awsRegion"] for r in records}):
        recs = sorted((r for r in records if r["awsRegion"] == region), key=lambda r: r["eventTime"])
        bursts: list[list[dict]] = []
        for r in recs:
            if bursts and parse_time(r["eventTime"]) - parse_time(bursts[-1][-1]["eventTime"]) <= timedelta(minutes=10):
                bursts[-1].append(r)
            else:
                bursts.append([r])
        for burst in bursts:
            span = parse_time(burst[-1]["eventTime"]) - parse_time(burst[0]["eventTime"])
            k = max(-(-len(burst) // 45), int(span / timedelta(minutes=10)) + 1)
            k = max(1, min(k, len(burst) // 5))
            sizes = [len(burst) // k + (1 if i < len(burst) % k else 0) for i in range(k)]
            for i in range(k - 1):                       # uneven, like real deliveries
                shift = rng.randint(-3, 3)
                if sizes[i] + shift >= 5 and sizes[i + 1] - shift >= 5:
                    sizes[i], sizes[i + 1] = sizes[i] + shift, sizes[i + 1] - shift
            a = 0
            for n in sizes:
                files.append(LogFile(region, datetime.min, burst[a:a + n]))
                a += n
    for f in files:
        assert 5 <= len(f.records) <= 60, (f.region, f.records[0]["eventTime"], len(f.records))
        f.delivered = (parse_time(f.records[-1]["eventTime"]) + timedelta(minutes=rng.randint(2, 6))).replace(second=0)
        # a file's records come in no particular order; keep them roughly by time
        f.records = sorted(f.records, key=lambda r: (r["eventTime"], rng.random()))
    return files


def write_log_file(f: LogFile) -> None:
    f.raw = compact({"Records": f.records})
    f.path = log_dir(f.region, f.delivered) / log_name(f.region, f.delivered)
    f.path.parent.mkdir(parents=True, exist_ok=True)
    f.path.write_bytes(gzip_bytes(f.raw))


def write_digest(files: list[LogFile]) -> Path:
    end = at(20, 10, 0, 0)
    start = end - timedelta(hours=1)
    covered = [f for f in files if f.region == "us-east-1" and start <= f.delivered < end]
    assert covered, "no log files delivered in the digest hour"
    rel = lambda p: str(p.relative_to(HERE)).replace("\\", "/")
    name = f"{ACCOUNT}_CloudTrail-Digest_us-east-1_{TRAIL}_us-east-1_{end.strftime('%Y%m%dT%H%M%SZ')}.json.gz"
    prev = f"{ACCOUNT}_CloudTrail-Digest_us-east-1_{TRAIL}_us-east-1_{start.strftime('%Y%m%dT%H%M%SZ')}.json.gz"
    ddir = log_dir("us-east-1", end, "CloudTrail-Digest")
    times = [r["eventTime"] for f in covered for r in f.records]
    fake_sig = "".join(hashlib.sha256(f"not-a-real-signature-{i}".encode()).hexdigest() for i in range(8))
    digest = {
        "awsAccountId": ACCOUNT,
        "digestStartTime": iso(start),
        "digestEndTime": iso(end),
        "digestS3Bucket": TRAIL_BUCKET,
        "digestS3Object": rel(ddir / name),
        "digestPublicKeyFingerprint": hashlib.md5(b"sample public key").hexdigest(),
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": max(times),
        "oldestEventTime": min(times),
        "previousDigestS3Bucket": TRAIL_BUCKET,
        "previousDigestS3Object": rel(ddir / prev),
        "previousDigestHashValue": hashlib.sha256(b"previous digest (not included)").hexdigest(),
        "previousDigestHashAlgorithm": "SHA-256",
        "previousDigestSignature": fake_sig,
        "logFiles": [{
            "s3Bucket": TRAIL_BUCKET,
            "s3Object": rel(f.path),
            "hashValue": hashlib.sha256(f.raw).hexdigest(),
            "hashAlgorithm": "SHA-256",
            "newestEventTime": f.records[-1]["eventTime"],
            "oldestEventTime": f.records[0]["eventTime"],
        } for f in covered],
    }
    ddir.mkdir(parents=True, exist_ok=True)
    path = ddir / name
    path.write_bytes(gzip_bytes(compact(digest)))
    return path


def write_corrupt() -> Path:
    """A real-looking log file whose gzip stream stops half way (an interrupted copy)."""
    saved = len(RECORDS)
    clk = Clock(at(22, 11, 41, 5))
    cli, _, _ = ci_actors(uuid4(), at(22, 11, 38, 0), key_id("ASIA"))
    for i in range(14):
        s3(cli, clk(1, 3), "PutObject", CI_BUCKET, f"builds/1236/logs/{LOG_NAMES[i]}",
           resp={"x-amz-server-side-encryption": "AES256"}, bytes_in=rng.randint(2_000, 400_000))
    recs = RECORDS[saved:]
    del RECORDS[saved:]                     # not part of the readable corpus
    delivered = at(22, 11, 47)
    data = gzip_bytes(compact({"Records": recs}))
    path = log_dir("us-east-1", delivered, base=DAMAGED_DIR) / log_name("us-east-1", delivered)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: len(data) // 2])
    return path


# --------------------------------------------------------------------------
# other input formats
# --------------------------------------------------------------------------
def lookup_resources(rec: dict) -> list[dict]:
    p = rec.get("requestParameters") or {}
    name = rec["eventName"]
    if rec["eventSource"] == "lambda.amazonaws.com":
        out = [{"ResourceType": "AWS::Lambda::Function", "ResourceName": p["functionName"]}]
        if "role" in p:
            out.append({"ResourceType": "AWS::IAM::Role", "ResourceName": p["role"]})
        return out
    if rec["eventSource"] == "ssm.amazonaws.com" and "name" in p:
        return [{"ResourceType": "AWS::SSM::Parameter", "ResourceName": p["name"]}]
    if rec["eventSource"] == "logs.amazonaws.com":
        return [{"ResourceType": "AWS::Logs::LogGroup", "ResourceName": p["logGroupName"]},
                {"ResourceType": "AWS::Logs::LogStream", "ResourceName": p["logStreamName"]}]
    if name == "GetSecretValue":
        return [{"ResourceType": "AWS::SecretsManager::Secret", "ResourceName": p["secretId"]}]
    if name == "DescribeStacks":
        return [{"ResourceType": "AWS::CloudFormation::Stack", "ResourceName": p["stackName"]}]
    out = []
    for r in rec.get("resources", []):
        rtype = r["type"]
        rname = r["ARN"].rsplit("/", 1)[-1] if rtype == "AWS::ECR::Repository" else r["ARN"]
        out.append({"ResourceType": rtype, "ResourceName": rname})
    return out


def write_formats() -> None:
    recs = FIXTURE_RECORDS
    FORMATS_DIR.mkdir(parents=True, exist_ok=True)
    (FORMATS_DIR / "records.ndjson").write_bytes(b"".join(compact(r) + b"\n" for r in recs))
    (FORMATS_DIR / "plain-records.json").write_bytes(compact({"Records": recs}))
    (FORMATS_DIR / "records.json.gz-but-named.txt").write_bytes(gzip_bytes(compact({"Records": recs})))
    events = []
    for r in sorted(recs, key=lambda r: r["eventTime"], reverse=True):     # newest first, like the API
        ui = r["userIdentity"]
        username = ui["arn"].rsplit("/", 1)[-1] if ui.get("type") == "AssumedRole" else ui.get("userName", "")
        events.append({
            "EventId": r["eventID"],
            "EventName": r["eventName"],
            "ReadOnly": "true" if r["readOnly"] else "false",
            "AccessKeyId": ui.get("accessKeyId", ""),
            "EventTime": datetime.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ").strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "EventSource": r["eventSource"],
            "Username": username,
            "Resources": lookup_resources(r),
            "CloudTrailEvent": json.dumps(r, separators=(",", ":"), ensure_ascii=False),
        })
    # aws-cli v2 prints json.dumps(indent=4, ensure_ascii=False) plus a newline
    (FORMATS_DIR / "lookup-events.json").write_text(
        json.dumps({"Events": events}, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------
def build_corpus() -> None:
    # 2026-11-20: CDK deploy in the morning, two CodeBuild builds later
    cdk_deploy(at(20, 9, 2, 11))
    lambda_cold_start(at(20, 9, 8, 40))               # first invocation after the deploy
    codebuild_build(1233, at(20, 11, 5, 3), full=False)
    codebuild_build(1234, at(20, 13, 12, 9), full=True)
    kms_rotation(at(20, 13, 19, 41))
    lambda_cold_start(at(20, 13, 24, 32))             # first invocation after the code update
    # 2026-11-21: alice in the console; ECR lifecycle policy runs; traffic on the function
    alice_console(at(21, 10, 4, 30))
    ecr_lifecycle(at(21, 10, 7, 55))
    lambda_cold_start(at(21, 10, 12, 18))
    lambda_cold_start(at(21, 10, 15, 3))
    # 2026-11-22: SSO admin, another build, the odd ones out
    sso_session(at(22, 8, 41, 0))
    ci_in_us_west_2(at(22, 8, 47, 33))
    codebuild_build(1235, at(22, 9, 30, 12), full=False)
    cross_account_assume(at(22, 9, 41, 7))
    lambda_cold_start(at(22, 9, 43, 49))
    lambda_cold_start(at(22, 9, 44, 12))


def main() -> None:
    for p in (HERE / "AWSLogs", DAMAGED_DIR / "AWSLogs"):
        if p.exists():
            shutil.rmtree(p)
    build_corpus()
    files = pack(RECORDS)
    for f in files:
        write_log_file(f)
    digest = write_digest(files)
    corrupt = write_corrupt()
    write_formats()
    print(f"{len(RECORDS)} records in {len(files)} log files")
    print(f"digest:  {digest.relative_to(REPO)}")
    print(f"corrupt: {corrupt.relative_to(REPO)}")
    print(f"formats: {len(FIXTURE_RECORDS)} ci-role records in {FORMATS_DIR.relative_to(REPO)}")


if __name__ == "__main__":
    main()
