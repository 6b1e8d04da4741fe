//! Whose calls the capture holds: the principal named on the command line, else the
//! caller identity of the workload's own credentials (`sts:GetCallerIdentity` through
//! the same credential chain and endpoint the workload inherits). Never guessed.

use crate::aws::AwsOptions;

/// The principal and account the records are attributed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The principal's ARN (a user, a role session, root), if known.
    pub arn: Option<String>,
    /// The account id.
    pub account: String,
}

/// The identity could not be told.
#[derive(Debug, thiserror::Error)]
pub enum WhoError {
    /// `--principal` is not an IAM or STS ARN.
    #[error(
        "--principal `{0}` is not an IAM or STS ARN (arn:PARTITION:iam::ACCOUNT:… or arn:PARTITION:sts::ACCOUNT:…)"
    )]
    BadArn(String),
    /// `--account` is not 12 digits.
    #[error("--account `{0}` is not a 12-digit account id")]
    BadAccount(String),
    /// `--principal` and `--account` disagree.
    #[error("--principal `{0}` is in account {1}, not --account {2}")]
    Mismatch(String, String, String),
    /// The STS call failed.
    #[error(
        "cannot tell whose calls these are (sts:GetCallerIdentity failed: {0}); name the principal with --principal ARN (or at least --account ID)"
    )]
    Sts(String),
}

/// The identity the command line names: `None` when neither `--principal` nor
/// `--account` is given (ask STS then).
pub fn from_args(
    principal: Option<&str>,
    account: Option<&str>,
) -> Result<Option<Identity>, WhoError> {
    if let Some(a) = account
        && (a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(WhoError::BadAccount(a.to_string()));
    }
    let Some(arn) = principal else {
        return Ok(account.map(|a| Identity {
            arn: None,
            account: a.to_string(),
        }));
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && matches!(parts[2], "iam" | "sts")
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && !parts[5].is_empty();
    if !ok {
        return Err(WhoError::BadArn(arn.to_string()));
    }
    if let Some(a) = account
        && a != parts[4]
    {
        return Err(WhoError::Mismatch(
            arn.to_string(),
            parts[4].to_string(),
            a.to_string(),
        ));
    }
    Ok(Some(Identity {
        arn: Some(arn.to_string()),
        account: parts[4].to_string(),
    }))
}

/// The caller identity of the default credential chain (and `AWS_ENDPOINT_URL`, as the
/// workload sees it).
pub async fn caller_identity(opts: &AwsOptions) -> Result<Identity, WhoError> {
    let sdk = crate::aws::load(opts, 2).await;
    let sts = aws_sdk_sts::Client::new(&sdk);
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| WhoError::Sts(crate::aws::describe(&e, opts.profile.as_deref())))?;
    let account = out
        .account()
        .ok_or_else(|| WhoError::Sts("the answer names no account".into()))?;
    Ok(Identity {
        arn: out.arn().map(str::to_string),
        account: account.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_and_account_from_args() {
        let id = from_args(Some("arn:aws:iam::111122223333:role/ci"), None)
            .unwrap()
            .unwrap();
        assert_eq!(id.account, "111122223333");
        assert_eq!(from_args(None, None).unwrap(), None);
        assert_eq!(
            from_args(None, Some("111122223333")).unwrap().unwrap().arn,
            None
        );
        assert!(from_args(Some("role/ci"), None).is_err());
        assert!(from_args(None, Some("12")).is_err());
        assert!(matches!(
            from_args(
                Some("arn:aws:iam::111122223333:role/ci"),
                Some("444455556666")
            ),
            Err(WhoError::Mismatch(..))
        ));
    }
}
