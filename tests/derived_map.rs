//! The tables derived from the AWS SDK service models (`action-map/models/`): every derived
//! eventSource maps to the IAM prefix the table names, derived PassRole lines are used by the
//! mapper, and a curated line wins over a derived one; and the curated rules the audit added
//! (parameter-dependent KMS actions, resources named by id lists and typed ids).

mod common;
use common::record;

use iamtrail::catalog::curated::curated;
use iamtrail::catalog::has_service;
use iamtrail::decode::Decoder;
use iamtrail::map::{FailureClass, Mapper, Need, Outcome, Via, prefix_of};
use serde_json::{Value, json};

const EVENT_SOURCES: &str = include_str!("../action-map/models/event-sources.tsv");
const PASSROLE: &str = include_str!("../action-map/models/passrole.tsv");

/// The data lines of a table (no comments, no blank lines), split into columns.
fn rows(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
        .collect()
}

/// Maps one record; the needs with their `Via`.
fn map(rec: Value) -> (Outcome, Vec<Need>) {
    let mut buf = json!({ "Records": [rec] }).to_string().into_bytes();
    let mut needs = Vec::new();
    let mut outcome = None;
    let mut m = Mapper::new(&FailureClass::DEFAULT);
    Decoder::default()
        .decode(&mut buf, &mut |_, r| {
            let (o, found) = m.map(&r.unwrap());
            outcome = Some(o);
            needs.extend(found.iter().map(|n| n.to_need()));
        })
        .unwrap();
    (outcome.unwrap(), needs)
}

/// The `iam:PassRole` needs of a record as `resource [service] via-file`.
fn passroles(source: &str, name: &str, params: Value) -> Vec<String> {
    let (o, needs) = map(record(source, name, params));
    assert_eq!(o, Outcome::Mapped, "{source} {name}");
    let mut out: Vec<String> = needs
        .iter()
        .filter(|n| n.permission.action.to_string() == "iam:PassRole")
        .map(|n| {
            let file = match n.via {
                Via::PassRole(at) => at.file,
                other => panic!("PassRole via {other:?}"),
            };
            format!(
                "{} [{}] {file}",
                n.permission.resource,
                n.permission
                    .condition
                    .as_ref()
                    .map_or("", |c| c.value.as_str())
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_derived_event_source_maps_to_its_iam_prefix() {
    let table = rows(EVENT_SOURCES);
    assert!(table.len() >= 400, "only {} eventSources", table.len());
    let curated_hosts = &curated().services;
    let mut checked = 0;
    for row in &table {
        assert_eq!(row.len(), 3, "{row:?}");
        let (host, prefix, source) = (row[0], row[1], row[2]);
        assert!(host.ends_with(".amazonaws.com"), "{host}");
        assert!(
            source.starts_with("botocore ") || source.contains("service-2.json"),
            "{row:?}"
        );
        assert!(
            has_service(prefix),
            "{host}: `{prefix}` is not in the catalog"
        );
        // A curated line wins and may say more; the derived table must agree with it.
        let want = curated_hosts.get(host).copied().unwrap_or(prefix);
        assert_eq!(prefix_of(host), Some(want), "{host}");
        assert_eq!(want, prefix, "{host}: curated and derived disagree");
        checked += 1;
    }
    assert_eq!(checked, table.len());
    // Hosts that differ from their IAM prefix now map (before the table they did not).
    for (host, prefix) in [
        ("api.ecr.amazonaws.com", "ecr"),
        ("email.amazonaws.com", "ses"),
        ("streams.dynamodb.amazonaws.com", "dynamodb"),
        ("bedrock-runtime.amazonaws.com", "bedrock"),
        ("cloudhsmv2.amazonaws.com", "cloudhsm"),
        ("memory-db.amazonaws.com", "memorydb"),
    ] {
        assert_eq!(prefix_of(host), Some(prefix), "{host}");
    }
    // Unknown hosts still map to nothing.
    assert_eq!(prefix_of("no-such-service.amazonaws.com"), None);
}

#[test]
fn every_curated_event_source_maps() {
    for (host, prefix) in &curated().services {
        assert_eq!(prefix_of(host), Some(*prefix), "{host}");
    }
}

#[test]
fn derived_passrole_lines_are_well_formed() {
    let table = rows(PASSROLE);
    assert!(
        table.len() >= 1000,
        "only {} derived PassRole lines",
        table.len()
    );
    for row in &table {
        assert_eq!(row.len(), 4, "{row:?}");
        assert!(row[2].ends_with(".amazonaws.com"), "{row:?}");
        assert!(row[3].starts_with("botocore "), "{row:?}");
        assert!(
            !row[0].starts_with("iam:") && !row[0].starts_with("sts:"),
            "{row:?}"
        );
    }
    assert!(
        curated().problems().is_empty(),
        "{:?}",
        curated().problems()
    );
}

#[test]
fn derived_passrole_lines_reach_the_mapper() {
    // Not in curated/passrole.tsv: only the derived table knows these.
    assert_eq!(
        passroles(
            "states.amazonaws.com",
            "CreateActivity",
            json!({"name": "a"})
        ),
        Vec::<String>::new(),
        "an operation without a role parameter"
    );
    assert_eq!(
        passroles(
            "scheduler.amazonaws.com",
            "CreateScheduleGroup",
            json!({"name": "g"})
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        passroles(
            "autoscaling.amazonaws.com",
            "CreateLaunchConfiguration",
            json!({"launchConfigurationName": "lc", "iamInstanceProfile": "web-profile"})
        ),
        ["arn:aws:iam::111122223333:role/* [ec2.amazonaws.com] models/passrole.tsv"]
    );
    assert_eq!(
        passroles(
            "ec2.amazonaws.com",
            "CreateLaunchTemplate",
            json!({"CreateLaunchTemplateRequest": {"LaunchTemplateName": "lt", "LaunchTemplateData": {
                "IamInstanceProfile": {"Arn": "arn:aws:iam::111122223333:instance-profile/web"}}}})
        ),
        ["arn:aws:iam::111122223333:role/* [ec2.amazonaws.com] models/passrole.tsv"]
    );
    assert_eq!(
        passroles(
            "lambda.amazonaws.com",
            "CreateEventSourceMapping20150331",
            json!({"functionName": "f"})
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        passroles(
            "ecs.amazonaws.com",
            "CreateCapacityProvider",
            json!({"name": "cp", "managedInstancesProvider": {
                "infrastructureRoleArn": "arn:aws:iam::111122223333:role/ecs-infra"}})
        ),
        ["arn:aws:iam::111122223333:role/ecs-infra [ecs.amazonaws.com] models/passrole.tsv"]
    );
}

#[test]
fn curated_passrole_line_wins_over_the_derived_one() {
    // Both tables name ecs:RegisterTaskDefinition taskRoleArn; the curated line's service
    // and line are used, once.
    assert_eq!(
        passroles(
            "ecs.amazonaws.com",
            "RegisterTaskDefinition",
            json!({"family": "web", "taskRoleArn": "arn:aws:iam::111122223333:role/web-task"})
        ),
        ["arn:aws:iam::111122223333:role/web-task [ecs-tasks.amazonaws.com] passrole.tsv"]
    );
    // Real-trail shapes (stratus-red-team): a list of roles (curated), and the newer EC2
    // request form (derived, with the flow-log service's principal).
    assert_eq!(
        passroles(
            "rolesanywhere.amazonaws.com",
            "CreateProfile",
            json!({"name": "p", "roleArns": ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/b"]})
        ),
        [
            "arn:aws:iam::111122223333:role/a [rolesanywhere.amazonaws.com] passrole.tsv",
            "arn:aws:iam::111122223333:role/b [rolesanywhere.amazonaws.com] passrole.tsv"
        ]
    );
    assert_eq!(
        passroles(
            "ec2.amazonaws.com",
            "CreateFlowLogs",
            json!({"CreateFlowLogsRequest": {"ResourceId": {"tag": 1, "content": "vpc-1"},
                "DeliverLogsPermissionArn": "arn:aws:iam::111122223333:role/flow-logs"}})
        ),
        [
            "arn:aws:iam::111122223333:role/flow-logs [vpc-flow-logs.amazonaws.com] models/passrole.tsv"
        ]
    );
}

/// All needs of a record as `action resource`, sorted.
fn all_needs(source: &str, name: &str, params: Value) -> Vec<String> {
    let (o, needs) = map(record(source, name, params));
    assert_eq!(o, Outcome::Mapped, "{source} {name}");
    let mut out: Vec<String> = needs
        .iter()
        .map(|n| format!("{} {}", n.permission.action, n.permission.resource))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn ec2_tags_are_granted_on_the_resources_the_ids_name() {
    // The stratus-red-team CreateTags shape: ids of several types in one list.
    let items = |ids: &[&str]| {
        json!({"resourcesSet": {"items": ids.iter().map(|i| json!({"resourceId": i})).collect::<Vec<_>>()},
               "tagSet": {"items": [{"key": "k", "value": "v"}]}})
    };
    assert_eq!(
        all_needs(
            "ec2.amazonaws.com",
            "CreateTags",
            items(&[
                "ami-0aa1d83d0b0985c86",
                "i-0123456789abcdef0",
                "tgw-attach-0a1b2c3d"
            ])
        ),
        [
            "ec2:CreateTags arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0",
            "ec2:CreateTags arn:aws:ec2:us-east-1:111122223333:transit-gateway-attachment/tgw-attach-0a1b2c3d",
            "ec2:CreateTags arn:aws:ec2:us-east-1::image/ami-0aa1d83d0b0985c86",
        ]
    );
    assert_eq!(
        all_needs("ec2.amazonaws.com", "DeleteTags", items(&["vol-0abc"])),
        ["ec2:DeleteTags arn:aws:ec2:us-east-1:111122223333:volume/vol-0abc"]
    );
    // An id no line knows leaves the grant where it was: `*`, never another type's ARN.
    assert_eq!(
        all_needs("ec2.amazonaws.com", "CreateTags", items(&["unknown-0abc"])),
        ["ec2:CreateTags *"]
    );
}

const KMS_PARAMETERS: &str = include_str!("../action-map/models/kms-parameters.tsv");
const PARAM_ACTIONS: &str = include_str!("../action-map/curated/param-actions.tsv");

#[test]
fn every_param_action_line_is_a_derived_candidate() {
    let candidates: std::collections::BTreeSet<(&str, &str)> =
        rows(KMS_PARAMETERS).iter().map(|r| (r[0], r[1])).collect();
    assert!(
        candidates.len() >= 500,
        "only {} candidates",
        candidates.len()
    );
    let lines = rows(PARAM_ACTIONS);
    assert!(!lines.is_empty());
    for l in &lines {
        let path = l[1].split(':').next().unwrap();
        assert!(
            candidates.contains(&(l[0], path)),
            "{l:?} is not a candidate"
        );
    }
    assert_eq!(
        curated()
            .param_actions
            .values()
            .map(Vec::len)
            .sum::<usize>(),
        lines.len()
    );
}

#[test]
fn a_kms_key_in_the_request_needs_the_kms_action_on_that_key() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let secret = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app-??????";
    assert_eq!(
        all_needs(
            "secretsmanager.amazonaws.com",
            "CreateSecret",
            json!({"name": "app", "kmsKeyId": key})
        ),
        [
            format!("kms:GenerateDataKey {key}"),
            format!("secretsmanager:CreateSecret {secret}")
        ]
    );
    // A bare key id is completed with the record's region and account.
    assert_eq!(
        all_needs(
            "ssm.amazonaws.com",
            "PutParameter",
            json!({"name": "/app/db", "type": "SecureString", "keyId": "1234abcd-12ab-34cd-56ef-1234567890ab"})
        ),
        [
            format!("kms:Encrypt {key}"),
            "ssm:PutParameter arn:aws:ssm:us-east-1:111122223333:parameter/app/db".to_string()
        ]
    );
    // Without the parameter, or with an alias (the key behind it is not in the record): no
    // kms grant — never `key/*`.
    for params in [
        json!({"name": "app"}),
        json!({"name": "app", "kmsKeyId": "alias/app"}),
    ] {
        assert_eq!(
            all_needs("secretsmanager.amazonaws.com", "CreateSecret", params),
            [format!("secretsmanager:CreateSecret {secret}")]
        );
    }
}

#[test]
fn ssm_tag_calls_are_granted_on_the_resource_type_they_name() {
    let ssm = |rt: &str, id: &str| {
        all_needs(
            "ssm.amazonaws.com",
            "ListTagsForResource",
            json!({"resourceType": rt, "resourceId": id}),
        )
    };
    // The stratus-red-team record shape.
    assert_eq!(
        ssm("Parameter", "/credentials/stratus-red-team/credentials-2"),
        [
            "ssm:ListTagsForResource arn:aws:ssm:us-east-1:111122223333:parameter/credentials/stratus-red-team/credentials-2"
        ]
    );
    assert_eq!(
        ssm("Document", "deploy"),
        ["ssm:ListTagsForResource arn:aws:ssm:us-east-1:111122223333:document/deploy"]
    );
    assert_eq!(
        ssm("ManagedInstance", "mi-0123456789abcdef0"),
        [
            "ssm:ListTagsForResource arn:aws:ssm:us-east-1:111122223333:managed-instance/mi-0123456789abcdef0"
        ]
    );
    assert_eq!(
        all_needs(
            "ssm.amazonaws.com",
            "AddTagsToResource",
            json!({"resourceType": "ManagedInstance", "resourceId": "i-0123456789abcdef0", "tags": []})
        ),
        ["ssm:AddTagsToResource arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"]
    );
    // A type no line knows: the grant stays `*`, never a parameter or document ARN.
    assert_eq!(
        ssm("OpsMetadata", "/aws/ssm/x"),
        ["ssm:ListTagsForResource *"]
    );
}

const RESOURCES: &str = include_str!("../action-map/models/resources.tsv");

#[test]
fn every_derived_resource_line_names_a_catalog_type_and_variable() {
    let table = rows(RESOURCES);
    assert!(
        table.len() >= 5000,
        "only {} derived resource lines",
        table.len()
    );
    for row in &table {
        assert_eq!(row.len(), 4, "{row:?}");
        let (prefix, action) = row[0].split_once(':').unwrap();
        assert!(
            iamtrail::catalog::ActionId::find(prefix, action).is_some(),
            "{row:?}: not a catalog action"
        );
        let svc = iamtrail::catalog::service(prefix).unwrap();
        let rt = svc
            .resource_type(row[1])
            .unwrap_or_else(|| panic!("{row:?}: not a resource type of {prefix}"));
        let var = row[2].split('=').next().unwrap();
        assert!(
            rt.arn.vars().any(|v| v == var),
            "{row:?}: {var} not in {}",
            rt.arn.text
        );
        assert!(row[3].starts_with("botocore "), "{row:?}");
    }
}

#[test]
fn derived_resource_lines_scope_what_the_curated_map_left_on_star() {
    // No curated line knows EMR clusters, Glue jobs or EKS node groups: the member of the
    // same name as the template variable fills it.
    assert_eq!(
        all_needs(
            "elasticmapreduce.amazonaws.com",
            "DescribeCluster",
            json!({"clusterId": "j-2AXXXXXXGAPLF"})
        ),
        [
            "elasticmapreduce:DescribeCluster arn:aws:elasticmapreduce:us-east-1:111122223333:cluster/j-2AXXXXXXGAPLF"
        ]
    );
    assert_eq!(
        all_needs(
            "glue.amazonaws.com",
            "StartJobRun",
            json!({"jobName": "etl"})
        ),
        ["glue:StartJobRun arn:aws:glue:us-east-1:111122223333:job/etl"]
    );
    assert_eq!(
        all_needs(
            "eks.amazonaws.com",
            "DescribeNodegroup",
            json!({"clusterName": "prod", "nodegroupName": "ng-1"})
        ),
        ["eks:DescribeNodegroup arn:aws:eks:us-east-1:111122223333:nodegroup/prod/ng-1/*"]
    );
    // A curated line still wins: CloudFormation stacks keep the curated stackName rule.
    assert_eq!(
        all_needs(
            "cloudformation.amazonaws.com",
            "DescribeStacks",
            json!({"stackName": "AppStack"})
        ),
        [
            "cloudformation:DescribeStacks arn:aws:cloudformation:us-east-1:111122223333:stack/AppStack/*"
        ]
    );
}
