//! The routing table derived from the AWS SDK service models
//! (`action-map/models/routes.tsv`, written by `derive_routes.py`), embedded at build time.
//!
//! The table is ~1.2 MB of text over ~450 services and ~20,000 operations. Only the service
//! lines are read on first use (one pass over the text); a service's operations are parsed
//! the first time a request for that service is routed.

use std::sync::OnceLock;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/routes.rs"));
}

/// How a service's requests are serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `POST /` with `X-Amz-Target: Prefix.Operation` and a JSON body.
    Json,
    /// REST: method + URI template, members in the URI, query, headers and a JSON body.
    RestJson,
    /// REST with an XML body (S3, Route 53, CloudFront).
    RestXml,
    /// Smithy RPC v2 CBOR: `POST /service/Service/operation/Operation`, a CBOR body.
    Cbor,
    /// Form-encoded `Action=Operation&Version=…` (IAM, SNS, STS, the older SQS).
    Query,
    /// EC2's variant of the query protocol.
    Ec2,
}

impl Protocol {
    fn parse(s: &str) -> Option<Protocol> {
        Some(match s {
            "json" => Protocol::Json,
            "rest-json" => Protocol::RestJson,
            "rest-xml" => Protocol::RestXml,
            "smithy-rpc-v2-cbor" => Protocol::Cbor,
            "query" => Protocol::Query,
            "ec2" => Protocol::Ec2,
            _ => return None,
        })
    }

    /// The name the service models use (`rest-json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Json => "json",
            Protocol::RestJson => "rest-json",
            Protocol::RestXml => "rest-xml",
            Protocol::Cbor => "smithy-rpc-v2-cbor",
            Protocol::Query => "query",
            Protocol::Ec2 => "ec2",
        }
    }

    /// Whether requests are routed by method and URI template.
    pub fn is_rest(self) -> bool {
        matches!(self, Protocol::RestJson | Protocol::RestXml)
    }
}

/// Where an input member travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A label of the URI template.
    Uri,
    /// A query-string parameter.
    Query,
    /// A header.
    Header,
    /// Every header with this prefix (a map member).
    HeaderPrefix,
    /// The whole body, a structure (JSON or XML).
    Payload,
    /// The whole body, bytes or text (an S3 object): never read.
    Blob,
    /// A body member under another wire name.
    Body,
}

/// One input member the table lists (see `derive_routes.py` for which ones it lists).
#[derive(Debug, Clone)]
pub struct Member {
    /// The model's member name (`CopySource`).
    pub name: &'static str,
    /// Where it travels.
    pub location: Location,
    /// Its name on the wire (`x-amz-copy-source`).
    pub wire: &'static str,
    /// Whether the model requires it (routing: an operation whose required query or header
    /// member is absent is not the one called).
    pub required: bool,
}

/// One segment of a URI template's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Matches itself.
    Literal(&'static str),
    /// `prefix{Name}suffix` or `{Name+}` (greedy: the rest of the path, slashes included).
    Label {
        /// Literal text before the label in the segment.
        prefix: &'static str,
        /// The label's name.
        name: &'static str,
        /// Literal text after the label in the segment.
        suffix: &'static str,
        /// `{Name+}`.
        greedy: bool,
    },
}

/// A request URI template (`/{Bucket}/{Key+}?uploads`).
#[derive(Debug, Clone, Default)]
pub struct UriTemplate {
    /// The template as written.
    pub text: &'static str,
    /// Path segments (between `/`).
    pub segments: Vec<Segment>,
    /// Query literals the request must carry: name and, for `name=value`, the value.
    pub query: Vec<(&'static str, Option<&'static str>)>,
}

impl UriTemplate {
    /// Parses a template; an empty one (json and query protocols) has no segments.
    pub fn parse(text: &'static str) -> UriTemplate {
        let (path, query) = text.split_once('?').unwrap_or((text, ""));
        let segments = path
            .split('/')
            .skip(1)
            .filter(|s| !s.is_empty())
            .map(|s| match (s.find('{'), s.rfind('}')) {
                (Some(open), Some(close)) if open < close => {
                    let inner = &s[open + 1..close];
                    let (name, greedy) = match inner.strip_suffix('+') {
                        Some(n) => (n, true),
                        None => (inner, false),
                    };
                    Segment::Label {
                        prefix: &s[..open],
                        name,
                        suffix: &s[close + 1..],
                        greedy,
                    }
                }
                _ => Segment::Literal(s),
            })
            .collect();
        let query = query
            .split('&')
            .filter(|q| !q.is_empty())
            .map(|q| match q.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (q, None),
            })
            .collect();
        UriTemplate {
            text,
            segments,
            query,
        }
    }
}

/// One operation of a service.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Operation name (`PutObject`): CloudTrail's eventName.
    pub name: &'static str,
    /// HTTP method (REST protocols only; empty otherwise).
    pub method: &'static str,
    /// Request URI template (REST protocols only).
    pub uri: UriTemplate,
    /// Input members that do not travel as body members under their own name.
    pub members: Vec<Member>,
    /// Input members, at any depth, whose values are secret.
    pub secrets: Vec<&'static str>,
    /// Input members, at any depth, holding maps (their keys are data).
    pub maps: Vec<&'static str>,
}

impl Operation {
    fn parse(line: &'static str) -> Option<Operation> {
        let mut f = line.split('\t');
        if f.next()? != "O" {
            return None;
        }
        let name = f.next()?;
        let method = f.next().unwrap_or_default();
        let uri = UriTemplate::parse(f.next().unwrap_or_default());
        let members = list(f.next().unwrap_or_default())
            .filter_map(|m| {
                let (m, required) = match m.strip_suffix('*') {
                    Some(m) => (m, true),
                    None => (m, false),
                };
                let mut p = m.split(':');
                let name = p.next()?;
                let location = match p.next()? {
                    "u" => Location::Uri,
                    "q" => Location::Query,
                    "h" => Location::Header,
                    "p" => Location::HeaderPrefix,
                    "P" => Location::Payload,
                    "B" => Location::Blob,
                    "b" => Location::Body,
                    _ => return None,
                };
                Some(Member {
                    name,
                    location,
                    wire: p.next().unwrap_or(name),
                    required,
                })
            })
            .collect();
        let secrets = list(f.next().unwrap_or_default()).collect();
        let maps = list(f.next().unwrap_or_default()).collect();
        Some(Operation {
            name,
            method,
            uri,
            members,
            secrets,
            maps,
        })
    }

    /// The member with this name (ASCII case ignored).
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
    }

    /// Whether the member `name` (any depth, ASCII case ignored) holds a secret.
    pub fn is_secret(&self, name: &str) -> bool {
        self.secrets.iter().any(|s| s.eq_ignore_ascii_case(name))
    }

    /// Whether the member `name` (any depth, ASCII case ignored) holds a map.
    pub fn is_map(&self, name: &str) -> bool {
        self.maps.iter().any(|s| s.eq_ignore_ascii_case(name))
    }
}

fn list(s: &'static str) -> impl Iterator<Item = &'static str> {
    s.split(',').filter(|x| !x.is_empty())
}

/// One service model.
#[derive(Debug)]
pub struct Service {
    /// The SDK's service name (`s3`, `s3control`).
    pub name: &'static str,
    /// SigV4 signing name (`s3`).
    pub signing_name: &'static str,
    /// Endpoint prefix (`s3-control`).
    pub endpoint_prefix: &'static str,
    /// Wire protocol.
    pub protocol: Protocol,
    /// JSON protocol: the X-Amz-Target prefix (`DynamoDB_20120810`).
    pub target_prefix: &'static str,
    /// JSON protocol: the version in the content type (`1.0`).
    pub json_version: &'static str,
    /// API version (`2006-03-01`; the query protocols send it as `Version`).
    pub api_version: &'static str,
    /// The eventSource CloudTrail logs the service's calls under.
    pub event_source: &'static str,
    /// The `O` lines.
    text: &'static str,
    ops: OnceLock<Vec<Operation>>,
}

impl Service {
    /// The service's operations, parsed on first use.
    pub fn operations(&self) -> &[Operation] {
        self.ops
            .get_or_init(|| self.text.lines().filter_map(Operation::parse).collect())
    }

    /// The operation with this exact name.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations().iter().find(|o| o.name == name)
    }
}

/// Every service of the table, in name order.
pub fn services() -> &'static [Service] {
    static SERVICES: OnceLock<Vec<Service>> = OnceLock::new();
    SERVICES.get_or_init(|| parse(embedded::ROUTES))
}

fn parse(text: &'static str) -> Vec<Service> {
    let mut out: Vec<Service> = Vec::new();
    // Byte offsets of each service's operation lines: from after its S line to the next.
    let mut starts: Vec<usize> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let Some(rest) = line.strip_prefix("S\t") else {
            continue;
        };
        let f: Vec<&'static str> = rest.trim_end_matches(['\n', '\r']).split('\t').collect();
        let get = |i: usize| f.get(i).copied().unwrap_or_default();
        let Some(protocol) = Protocol::parse(get(3)) else {
            continue;
        };
        if let Some(prev) = out.last_mut() {
            prev.text = &text[*starts.last().unwrap_or(&at)..at];
        }
        starts.push(offset);
        out.push(Service {
            name: get(0),
            signing_name: get(1),
            endpoint_prefix: get(2),
            protocol,
            target_prefix: get(4),
            json_version: get(5),
            api_version: get(6),
            event_source: get(7),
            text: "",
            ops: OnceLock::new(),
        });
    }
    if let (Some(prev), Some(&start)) = (out.last_mut(), starts.last()) {
        prev.text = &text[start..];
    }
    out
}

/// The services signing with `name` (several services can share one: `s3` and `s3control`).
pub fn by_signing_name(name: &str) -> impl Iterator<Item = &'static Service> {
    let name = name.to_owned();
    services()
        .iter()
        .filter(move |s| s.signing_name.eq_ignore_ascii_case(&name))
}

/// The service with this SDK name (`s3control`).
pub fn service(name: &str) -> Option<&'static Service> {
    services().iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_service_and_their_operations() {
        assert!(services().len() > 400, "{}", services().len());
        let s3 = service("s3").unwrap();
        assert_eq!(s3.protocol, Protocol::RestXml);
        assert_eq!(s3.event_source, "s3.amazonaws.com");
        let put = s3.operation("PutObject").unwrap();
        assert_eq!(put.method, "PUT");
        assert_eq!(put.uri.text, "/{Bucket}/{Key+}");
        let copy = s3.operation("CopyObject").unwrap();
        let source = copy.member("CopySource").unwrap();
        assert_eq!(
            (source.location, source.wire, source.required),
            (Location::Header, "x-amz-copy-source", true)
        );
        let ddb = service("dynamodb").unwrap();
        assert_eq!(ddb.target_prefix, "DynamoDB_20120810");
        assert!(ddb.operation("PutItem").unwrap().is_map("Item"));
        assert!(
            service("secretsmanager")
                .unwrap()
                .operation("CreateSecret")
                .unwrap()
                .is_secret("SecretString")
        );
        let control = service("s3control").unwrap();
        assert_eq!(control.event_source, "s3.amazonaws.com");
        assert_eq!(by_signing_name("s3").count(), 2);
        // Every service's operations parse, and each service owns only its own lines.
        let ops: usize = services().iter().map(|s| s.operations().len()).sum();
        assert!(ops > 15_000, "{ops}");
        assert!(service("sqs").unwrap().operation("PutObject").is_none());
    }

    #[test]
    fn templates_parse_labels_greedy_labels_and_query_literals() {
        let t = UriTemplate::parse("/{Bucket}/{Key+}?uploads&x-id=Get");
        assert_eq!(
            t.segments[1],
            Segment::Label {
                prefix: "",
                name: "Key",
                suffix: "",
                greedy: true
            }
        );
        assert_eq!(t.query, vec![("uploads", None), ("x-id", Some("Get"))]);
        let t = UriTemplate::parse("/v1/{Name}.json");
        assert_eq!(t.segments[0], Segment::Literal("v1"));
        assert!(matches!(
            t.segments[1],
            Segment::Label {
                suffix: ".json",
                ..
            }
        ));
    }
}
