//! `check no-public-access`'s table of cases (each a policy's statements, the resource
//! type and the expected PASS/FAIL), shared by `tests/check.rs` and the agreement test
//! `tests/public_agree.rs`.

/// One case: a policy's statements (JSON objects, comma separated), its resource type
/// and the expected verdict.
pub struct Public {
    pub name: &'static str,
    pub rtype: &'static str,
    pub policy: &'static str,
    pub want: &'static str,
}

const fn pb(
    name: &'static str,
    rtype: &'static str,
    policy: &'static str,
    want: &'static str,
) -> Public {
    Public {
        name,
        rtype,
        policy,
        want,
    }
}

pub const PUBLIC: &[Public] = &[
    pb(
        "Principal *",
        "AWS::S3::Bucket",
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
        "FAIL",
    ),
    pb(
        "AWS *",
        "s3",
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
        "FAIL",
    ),
    pb(
        "one account",
        "s3",
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
        "PASS",
    ),
    pb(
        "service principal",
        "sns",
        r#"{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"*"}"#,
        "PASS",
    ),
    pb(
        "org bound",
        "s3",
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}"#,
        "PASS",
    ),
    pb(
        "org wildcard",
        "s3",
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringLike":{"aws:PrincipalOrgID":"o-*"}}}"#,
        "FAIL",
    ),
    pb(
        "IfExists bound",
        "s3",
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}"#,
        "FAIL",
    ),
    pb(
        "endpoint bound",
        "s3",
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}"#,
        "PASS",
    ),
    pb(
        "IP range",
        "sqs",
        r#"{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
        "PASS",
    ),
    pb(
        "every IP",
        "sqs",
        r#"{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}"#,
        "FAIL",
    ),
    pb(
        "negated bound allows outsiders",
        "sqs",
        r#"{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}}"#,
        "FAIL",
    ),
    pb(
        "not a bound",
        "sns",
        r#"{"Effect":"Allow","Principal":"*","Action":"sns:Subscribe","Resource":"*","Condition":{"StringEquals":{"sns:Protocol":"https"}}}"#,
        "FAIL",
    ),
    pb(
        "NotPrincipal with Allow",
        "s3",
        r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
        "FAIL",
    ),
    pb(
        "Deny outside the org",
        "s3",
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}"#,
        "PASS",
    ),
    pb(
        "Deny covers too little",
        "s3",
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"},{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}"#,
        "FAIL",
    ),
    pb(
        "KMS caller account",
        "AWS::KMS::Key",
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}}}"#,
        "PASS",
    ),
    pb(
        "KMS key only",
        "s3",
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}}}"#,
        "FAIL",
    ),
    pb(
        "trust policy open",
        "AWS::IAM::AssumeRolePolicyDocument",
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}"#,
        "FAIL",
    ),
    pb(
        "trust policy bound",
        "trust",
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ci-*"}}}"#,
        "PASS",
    ),
    pb(
        "KMS ViaService alone",
        "AWS::KMS::Key",
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}"#,
        "FAIL",
    ),
    pb(
        "wide IP range",
        "sqs",
        r#"{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/4"}}}"#,
        "PASS",
    ),
    pb(
        "IfExists on a key always present",
        "s3",
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEqualsIfExists":{"aws:PrincipalAccount":"111122223333"}}}"#,
        "PASS",
    ),
    pb(
        "sessions of one role",
        "s3",
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}}"#,
        "PASS",
    ),
    pb(
        "OIDC without sub",
        "trust",
        r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}"#,
        "FAIL",
    ),
    pb(
        "OIDC sub bounded",
        "trust",
        r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:example-org/deploy:*"}}}"#,
        "PASS",
    ),
    pb(
        "SAML provider is not public",
        "trust",
        r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/ExampleIdP"},"Action":"sts:AssumeRoleWithSAML"}"#,
        "PASS",
    ),
];
