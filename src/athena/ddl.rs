//! `athena-sql --ddl`: the CloudTrail table over a trail's bucket, with partition
//! projection over `AWSLogs/<account>/CloudTrail/<region>/yyyy/MM/dd`.
//!
//! The columns are those of the table in "Create the table for CloudTrail logs in Athena
//! using partition projection" (Amazon Athena User Guide); the partitions add the account
//! and region folders to its one date partition (there: a single account and region) so
//! an organization's or a multi-region trail is one table, each partition projected:
//! account and region as enums, the day as a date, `projection.timestamp.range` from the
//! first day to NOW.

use std::fmt::Write as _;

/// Where the trail delivers and which partitions exist.
#[derive(Debug, Clone)]
pub struct Table {
    /// Table name (optionally `db.table`).
    pub name: String,
    /// `s3://bucket/[prefix/]` up to (not including) `AWSLogs/`; an organization trail
    /// adds the organization id: `s3://bucket/AWSLogs/o-xxxx/` is given as
    /// `s3://bucket/` with `org` set.
    pub location: String,
    /// The organization id folder of an organization trail (`o-…`).
    pub org: Option<String>,
    /// Account folders (projected as an enum).
    pub accounts: Vec<String>,
    /// Region folders (projected as an enum).
    pub regions: Vec<String>,
    /// First day with logs, `YYYY/MM/DD`.
    pub first_day: String,
}

/// The regions CloudTrail delivers for in the commercial partition (the default region
/// enum; name others with `--region`): the catalog's Region table.
pub fn commercial_regions() -> Vec<&'static str> {
    crate::catalog::regions::in_partition(crate::catalog::regions::COMMERCIAL)
}

/// The columns: the CloudTrail record's fields as the Athena User Guide's table has them.
const COLUMNS: &str = "  eventversion STRING,
  useridentity STRUCT<
    type: STRING,
    principalid: STRING,
    arn: STRING,
    accountid: STRING,
    invokedby: STRING,
    accesskeyid: STRING,
    username: STRING,
    onbehalfof: STRUCT<userid: STRING, identitystorearn: STRING>,
    sessioncontext: STRUCT<
      attributes: STRUCT<mfaauthenticated: STRING, creationdate: STRING>,
      sessionissuer: STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, username: STRING>,
      ec2roledelivery: STRING,
      webidfederationdata: STRUCT<federatedprovider: STRING, attributes: MAP<STRING, STRING>>>>,
  eventtime STRING,
  eventsource STRING,
  eventname STRING,
  awsregion STRING,
  sourceipaddress STRING,
  useragent STRING,
  errorcode STRING,
  errormessage STRING,
  requestparameters STRING,
  responseelements STRING,
  additionaleventdata STRING,
  requestid STRING,
  eventid STRING,
  readonly STRING,
  resources ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>,
  eventtype STRING,
  apiversion STRING,
  recipientaccountid STRING,
  serviceeventdetails STRING,
  sharedeventid STRING,
  vpcendpointid STRING,
  vpcendpointaccountid STRING,
  eventcategory STRING,
  addendum STRUCT<reason: STRING, updatedfields: STRING, originalrequestid: STRING, originaleventid: STRING>,
  sessioncredentialfromconsole STRING,
  edgedevicedetails STRING,
  tlsdetails STRUCT<tlsversion: STRING, ciphersuite: STRING, clientprovidedhostheader: STRING>";

/// `CREATE EXTERNAL TABLE` for `t`.
pub fn ddl(t: &Table) -> String {
    let base = format!(
        "{}/AWSLogs/{}",
        t.location.trim_end_matches('/'),
        t.org
            .as_deref()
            .map(|o| format!("{o}/"))
            .unwrap_or_default()
    );
    let name = t
        .name
        .split('.')
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(".");
    let mut s = String::new();
    let _ = writeln!(s, "CREATE EXTERNAL TABLE {name} (\n{COLUMNS}\n)");
    let _ = writeln!(
        s,
        "PARTITIONED BY (account STRING, region STRING, `timestamp` STRING)"
    );
    s.push_str("ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n");
    s.push_str("STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'\n");
    s.push_str("OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n");
    let _ = writeln!(s, "LOCATION '{base}'");
    s.push_str("TBLPROPERTIES (\n");
    let props = [
        ("projection.enabled", "true".to_string()),
        ("projection.account.type", "enum".into()),
        ("projection.account.values", t.accounts.join(",")),
        ("projection.region.type", "enum".into()),
        ("projection.region.values", t.regions.join(",")),
        ("projection.timestamp.type", "date".into()),
        ("projection.timestamp.format", "yyyy/MM/dd".into()),
        ("projection.timestamp.interval", "1".into()),
        ("projection.timestamp.interval.unit", "DAYS".into()),
        ("projection.timestamp.range", format!("{},NOW", t.first_day)),
        (
            "storage.location.template",
            format!("{base}${{account}}/CloudTrail/${{region}}/${{timestamp}}"),
        ),
    ];
    let n = props.len();
    for (i, (k, v)) in props.iter().enumerate() {
        let _ = writeln!(s, "  '{k}'='{v}'{}", if i + 1 < n { "," } else { "" });
    }
    s.push_str(");\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Athena projection's default regions and the regions `validate` accepts come
    /// from the one catalog table: every region the DDL projects passes validate's
    /// `aws:RequestedRegion` check, and the commercial partition is all of them.
    #[test]
    fn athena_and_validate_see_the_same_commercial_regions() {
        let regions = commercial_regions();
        let d = ddl(&Table {
            name: "t".into(),
            location: "s3://b/".into(),
            org: None,
            accounts: vec!["111122223333".into()],
            regions: regions.iter().map(|r| r.to_string()).collect(),
            first_day: "2026/01/01".into(),
        });
        let projected: Vec<&str> = d
            .split("'projection.region.values'='")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("a region projection")
            .split(',')
            .collect();
        assert_eq!(projected, regions);
        assert!(projected.contains(&"ap-southeast-6"), "{projected:?}");
        assert!(
            !projected
                .iter()
                .any(|r| r.starts_with("cn-") || r.starts_with("us-gov-"))
        );
        let opts = crate::validate::Options::default();
        let region_findings = |r: &str| -> Vec<String> {
            let policy = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringEquals":{{"aws:RequestedRegion":"{r}"}}}}}}]}}"#
            );
            crate::validate::validate(&policy, &opts)
                .into_iter()
                .filter(|f| f.id == "INVALID_REGION")
                .map(|f| f.message)
                .collect()
        };
        for r in &projected {
            assert_eq!(region_findings(r), Vec::<String>::new(), "{r}");
        }
        // The check is live: a region outside the table is refused.
        assert_eq!(region_findings("us-east-9").len(), 1);
    }

    #[test]
    fn the_template_names_every_partition() {
        let d = ddl(&Table {
            name: "cloudtrail_logs".into(),
            location: "s3://trail-bucket/".into(),
            org: Some("o-abc".into()),
            accounts: vec!["111122223333".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            first_day: "2026/01/01".into(),
        });
        assert!(
            d.contains("LOCATION 's3://trail-bucket/AWSLogs/o-abc/'"),
            "{d}"
        );
        assert!(d.contains("'storage.location.template'='s3://trail-bucket/AWSLogs/o-abc/${account}/CloudTrail/${region}/${timestamp}'"), "{d}");
        assert!(
            d.contains("'projection.region.values'='us-east-1,eu-west-1'"),
            "{d}"
        );
        assert!(
            d.contains("'projection.timestamp.range'='2026/01/01,NOW'"),
            "{d}"
        );
        assert!(
            d.contains("resources ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>")
        );
    }
}
