//! [`AuthorizationDecoder`] through `sts:DecodeAuthorizationMessage`, with the caller's
//! own credentials (the person running `loop` usually may; the workload's role usually
//! may not). The client is built on the first encoded message, so runs without one
//! never touch AWS.

use std::sync::OnceLock;

use super::AuthorizationDecoder;
use super::authz::DecodeError;
use crate::aws::{self, AwsOptions};

/// Decodes with STS; says why not when the call fails.
pub struct StsDecoder {
    opts: AwsOptions,
    client: OnceLock<Result<(tokio::runtime::Runtime, aws_sdk_sts::Client), DecodeError>>,
}

impl StsDecoder {
    /// A decoder calling STS as `opts` says.
    pub fn new(opts: AwsOptions) -> StsDecoder {
        StsDecoder {
            opts,
            client: OnceLock::new(),
        }
    }
}

impl AuthorizationDecoder for StsDecoder {
    fn decode(&self, encoded: &str) -> Result<String, DecodeError> {
        if encoded.is_empty() {
            return super::NotDecoded.decode(encoded);
        }
        let client = self.client.get_or_init(|| {
            let rt = aws::runtime().map_err(|e| DecodeError::Runtime(e.to_string()))?;
            let sdk = rt.block_on(aws::load(&self.opts, aws::DEFAULT_ATTEMPTS));
            Ok((rt, aws_sdk_sts::Client::new(&sdk)))
        });
        let (rt, client) = client.as_ref().map_err(Clone::clone)?;
        let out = rt
            .block_on(
                client
                    .decode_authorization_message()
                    .encoded_message(encoded)
                    .send(),
            )
            .map_err(|e| DecodeError::Call(aws::describe(&e, self.opts.profile.as_deref())))?;
        out.decoded_message.ok_or(DecodeError::Empty(
            "sts:DecodeAuthorizationMessage returned no message",
        ))
    }
}
