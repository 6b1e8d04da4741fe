//! Which failed calls still show a permission the principal needs.
//!
//! A trail records failed calls too. Whether a failure proves the permission was needed
//! depends on where the request stopped:
//!
//! | class | examples | counted by default | why |
//! |---|---|---|---|
//! | `denied` | AccessDenied, UnauthorizedOperation | yes | the workload tried it: it needs it (or the denial must be fixed elsewhere, which the report says) |
//! | `throttled` | ThrottlingException, RequestLimitExceeded, SlowDown | yes | the call was authorized, or will be on retry |
//! | `server` | InternalError, ServiceUnavailable | yes | retried calls must be allowed |
//! | `state` | NoSuchEntity, ResourceNotFoundException, AlreadyExists, Conflict, DryRunOperation | yes | authorization came first; the resource's state failed the call (CDK probes with GetRole on missing roles) |
//! | `other` | any code not listed | yes | most service-specific errors come after authorization |
//! | `malformed` | ValidationException, InvalidParameterValue, MalformedPolicyDocument | no | a broken request is not a need; fixing it may change what is needed |
//! | `auth` | InvalidClientTokenId, ExpiredToken, SignatureDoesNotMatch | no | the caller was never authenticated, so nothing was authorized |
//!
//! `--failed-calls` changes the set.

/// A class of failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureClass {
    /// Authorization denied the call.
    Denied,
    /// Rate-limited.
    Throttled,
    /// Service-side error.
    Server,
    /// The resource's state (missing, existing, conflicting).
    State,
    /// Malformed or invalid request.
    Malformed,
    /// Authentication failed.
    Auth,
    /// Anything else.
    Other,
}

impl FailureClass {
    /// All classes, in report order.
    pub const ALL: [FailureClass; 7] = [
        FailureClass::Denied,
        FailureClass::Throttled,
        FailureClass::Server,
        FailureClass::State,
        FailureClass::Other,
        FailureClass::Malformed,
        FailureClass::Auth,
    ];

    /// The classes counted as needed permissions by default.
    pub const DEFAULT: [FailureClass; 5] = [
        FailureClass::Denied,
        FailureClass::Throttled,
        FailureClass::Server,
        FailureClass::State,
        FailureClass::Other,
    ];

    /// Name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::Denied => "denied",
            FailureClass::Throttled => "throttled",
            FailureClass::Server => "server",
            FailureClass::State => "state",
            FailureClass::Malformed => "malformed",
            FailureClass::Auth => "auth",
            FailureClass::Other => "other",
        }
    }

    /// Parses a class name.
    pub fn parse(s: &str) -> Option<FailureClass> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Classifies a CloudTrail `errorCode`.
    pub fn of(code: &str) -> FailureClass {
        let c = code
            .strip_prefix("Client.")
            .or_else(|| code.strip_prefix("Server."))
            .unwrap_or(code);
        let has = |needle: &str| c.contains(needle);
        if has("AccessDenied")
            || has("Unauthorized")
            || has("AuthorizationError")
            || c == "Forbidden"
            || has("NotAuthorized")
        {
            FailureClass::Denied
        } else if has("Throttl")
            || has("RequestLimitExceeded")
            || has("TooManyRequests")
            || c == "SlowDown"
            || has("ProvisionedThroughputExceeded")
            || has("RateExceeded")
        {
            FailureClass::Throttled
        } else if has("InternalError")
            || has("InternalFailure")
            || has("InternalServer")
            || has("ServiceUnavailable")
            || c == "ServerException"
            || code.starts_with("Server.")
        {
            FailureClass::Server
        } else if matches!(
            c,
            "InvalidClientTokenId"
                | "ExpiredToken"
                | "ExpiredTokenException"
                | "SignatureDoesNotMatch"
                | "IncompleteSignature"
                | "MissingAuthenticationToken"
                | "InvalidAccessKeyId"
                | "UnrecognizedClientException"
                | "AuthFailure"
                | "InvalidToken"
                | "TokenRefreshRequired"
        ) {
            FailureClass::Auth
        } else if has("Validation")
            || has("Malformed")
            || has("InvalidParameter")
            || has("MissingParameter")
            || has("Serialization")
            || matches!(
                c,
                "InvalidRequest"
                    | "InvalidInput"
                    | "InvalidArgument"
                    | "BadRequest"
                    | "InvalidAction"
                    | "InvalidQueryParameter"
                    | "MissingAction"
                    | "OptInRequired"
                    | "UnsupportedOperation"
            )
        {
            FailureClass::Malformed
        } else if has("NotFound")
            || has("NoSuch")
            || has("AlreadyExists")
            || has("AlreadyOwned")
            || has("Conflict")
            || has("InUse")
            || has("DryRunOperation")
            || has("ConditionalCheckFailed")
            || has("LimitExceeded")
            || has("NotEmpty")
            || has("InvalidState")
            || c.starts_with("Invalid") && c.ends_with(".NotFound")
        {
            FailureClass::State
        } else {
            FailureClass::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FailureClass::*;
    use super::*;

    #[test]
    fn classifies_real_error_codes() {
        for (code, want) in [
            ("AccessDenied", Denied),
            ("AccessDeniedException", Denied),
            ("Client.UnauthorizedOperation", Denied),
            ("AuthorizationError", Denied),
            ("ThrottlingException", Throttled),
            ("Client.RequestLimitExceeded", Throttled),
            ("SlowDown", Throttled),
            ("InternalError", Server),
            ("Server.InternalError", Server),
            ("NoSuchEntity", State),
            ("NoSuchEntityException", State),
            ("ResourceNotFoundException", State),
            ("Client.InvalidInstanceID.NotFound", State),
            ("EntityAlreadyExists", State),
            ("Client.DryRunOperation", State),
            ("ValidationException", Malformed),
            ("Client.InvalidParameterValue", Malformed),
            ("MalformedPolicyDocument", Malformed),
            ("InvalidClientTokenId", Auth),
            ("ExpiredToken", Auth),
            ("SomethingNew", Other),
        ] {
            assert_eq!(FailureClass::of(code), want, "{code}");
        }
        for c in FailureClass::ALL {
            assert_eq!(FailureClass::parse(c.as_str()), Some(c));
        }
    }
}
