//! The proxy: 127.0.0.1 on an ephemeral port, HTTP/1.1. Absolute-form requests are
//! forwarded; `CONNECT` opens a tunnel in which a TLS ClientHello is answered with a leaf
//! certificate of the per-run CA and the HTTP inside is forwarded over a TLS connection of
//! our own, verified against the system roots (plus `--upstream-ca`); plain HTTP inside a
//! tunnel is forwarded the same way, anything else is relayed blind.
//!
//! Bodies stream both ways; only AWS requests are tapped ([`super::tap`]), and finished
//! exchanges go to the recorder through a channel, on a thread of its own.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::ca::{Authority, CaError};
use super::tap::{Head, Pending, Side, Tap};
use super::{Exchange, Recorder};

/// The proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The listening socket.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(#[source] std::io::Error),
    /// The CA.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// An `--upstream-ca` certificate rustls refused.
    #[error("cannot trust the extra upstream CA: {0}")]
    UpstreamCa(#[source] rustls::Error),
    /// No root to verify upstream servers against.
    #[error(
        "no trusted root certificate found on this system (and no --upstream-ca): upstream TLS cannot be verified"
    )]
    NoRoots,
}

/// How the proxy runs.
#[derive(Debug, Clone, Default)]
pub struct ProxyConfig {
    /// Extra CAs trusted for upstream servers (tests; a private endpoint), besides the
    /// system roots.
    pub upstream_ca: Vec<CertificateDer<'static>>,
    /// Trust only `upstream_ca`, not the system roots (tests that must not depend on
    /// the machine's bundle).
    pub no_system_roots: bool,
}

/// Counters of one run.
#[derive(Debug, Default)]
pub struct Stats {
    /// AWS exchanges handed to the recorder.
    pub recorded: AtomicU64,
    /// Of those, refused for want of permission.
    pub denied: AtomicU64,
    /// Non-AWS requests forwarded unrecorded.
    pub passed_requests: AtomicU64,
    /// Tunnels relayed blind (neither TLS nor HTTP inside).
    pub passed_tunnels: AtomicU64,
    /// Requests whose upstream could not be reached (answered 502).
    pub upstream_errors: AtomicU64,
    /// AWS exchanges in flight.
    pub active: AtomicUsize,
}

/// A copy of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// AWS exchanges handed to the recorder.
    pub recorded: u64,
    /// Of those, refused for want of permission.
    pub denied: u64,
    /// Non-AWS requests forwarded unrecorded.
    pub passed_requests: u64,
    /// Tunnels relayed blind.
    pub passed_tunnels: u64,
    /// Requests whose upstream could not be reached.
    pub upstream_errors: u64,
}

impl Stats {
    fn counts(&self) -> Counts {
        Counts {
            recorded: self.recorded.load(Ordering::SeqCst),
            denied: self.denied.load(Ordering::SeqCst),
            passed_requests: self.passed_requests.load(Ordering::SeqCst),
            passed_tunnels: self.passed_tunnels.load(Ordering::SeqCst),
            upstream_errors: self.upstream_errors.load(Ordering::SeqCst),
        }
    }
}

type Body = BoxBody<Bytes, hyper::Error>;
type Upstream = Client<hyper_rustls::HttpsConnector<HttpConnector>, Tap>;

/// What every connection task shares.
pub struct Shared {
    client: Upstream,
    ca: Arc<Authority>,
    /// The run's counters.
    pub stats: Stats,
    to_recorder: Mutex<Option<mpsc::Sender<Exchange>>>,
}

impl Shared {
    /// Hands a finished exchange to the recorder thread (dropped once the proxy stopped).
    pub fn hand_over(&self, x: Exchange) {
        if let Some(tx) = &*self.to_recorder.lock().unwrap_or_else(|p| p.into_inner()) {
            let _ = tx.send(x);
        }
    }
}

/// A running proxy.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
    recorder: Option<std::thread::JoinHandle<()>>,
}

/// The system's trusted roots (the platform store, or `SSL_CERT_FILE`/`SSL_CERT_DIR`).
pub fn system_roots() -> Vec<CertificateDer<'static>> {
    rustls_native_certs::load_native_certs().certs
}

impl Proxy {
    /// Starts listening on 127.0.0.1 (a free port), with a fresh CA, handing each AWS
    /// exchange to `recorder`. Call within a tokio runtime.
    pub async fn start(
        cfg: &ProxyConfig,
        recorder: Box<dyn Recorder>,
    ) -> Result<Proxy, ProxyError> {
        Proxy::start_with_roots(
            cfg,
            if cfg.no_system_roots {
                Vec::new()
            } else {
                system_roots()
            },
            recorder,
        )
        .await
    }

    /// As [`Proxy::start`], with the system roots already loaded.
    pub async fn start_with_roots(
        cfg: &ProxyConfig,
        roots: Vec<CertificateDer<'static>>,
        recorder: Box<dyn Recorder>,
    ) -> Result<Proxy, ProxyError> {
        let mut store = rustls::RootCertStore::empty();
        // A system bundle may hold a certificate rustls cannot parse: skip it, as
        // browsers do, rather than refuse to start.
        store.add_parsable_certificates(roots);
        for c in &cfg.upstream_ca {
            store.add(c.clone()).map_err(ProxyError::UpstreamCa)?;
        }
        if store.is_empty() {
            return Err(ProxyError::NoRoots);
        }
        let tls = rustls::ClientConfig::builder()
            .with_root_certificates(store)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(Duration::from_secs(30)));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);

        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(ProxyError::Listen)?;
        let addr = listener.local_addr().map_err(ProxyError::Listen)?;
        let (tx, rx) = mpsc::channel::<Exchange>();
        let shared = Arc::new(Shared {
            client,
            ca: Arc::new(Authority::new()?),
            stats: Stats::default(),
            to_recorder: Mutex::new(Some(tx)),
        });
        let for_thread = shared.clone();
        let recorder = std::thread::Builder::new()
            .name("capture-recorder".into())
            .spawn(move || {
                for x in rx {
                    let stats = &for_thread.stats;
                    if x.is_denied() {
                        stats.denied.fetch_add(1, Ordering::SeqCst);
                    }
                    stats.recorded.fetch_add(1, Ordering::SeqCst);
                    recorder.exchange(x);
                }
            })
            .map_err(ProxyError::Listen)?;
        let for_accept = shared.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    // Out of descriptors and the like: back off rather than spin.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let _ = tcp.set_nodelay(true);
                tokio::spawn(serve(for_accept.clone(), TokioIo::new(tcp), None));
            }
        });
        Ok(Proxy {
            addr,
            shared,
            accept,
            recorder: Some(recorder),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The run's CA.
    pub fn ca(&self) -> &Authority {
        &self.shared.ca
    }

    /// The counters so far.
    pub fn counts(&self) -> Counts {
        self.shared.stats.counts()
    }

    /// Stops accepting, waits up to `grace` for exchanges in flight, then hands the
    /// recorder what it has and waits for it to finish. Exchanges still open after
    /// `grace` (a descendant of the workload still talking) are not recorded.
    pub async fn stop(mut self, grace: Duration) -> Counts {
        self.accept.abort();
        let deadline = Instant::now() + grace;
        while self.shared.stats.active.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.shared
            .to_recorder
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(t) = self.recorder.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
        self.shared.stats.counts()
    }
}

/// Where requests on a connection go: `None` for the proxy's own connections
/// (absolute-form URIs), else the tunnel's scheme, host and port.
type Origin = Option<(&'static str, String, u16)>;

/// Serves HTTP/1.1 on `io` until the client closes it. Boxed as `Send`: connections
/// spawn tunnels that serve connections, a cycle the compiler cannot see through.
fn serve<I>(shared: Arc<Shared>, io: I, origin: Origin) -> Pin<Box<dyn Future<Output = ()> + Send>>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    Box::pin(serve_inner(shared, io, origin))
}

async fn serve_inner<I>(shared: Arc<Shared>, io: I, origin: Origin)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let origin = Arc::new(origin);
    let svc = service_fn(move |req| {
        let shared = shared.clone();
        let origin = origin.clone();
        async move { Ok::<_, std::convert::Infallible>(handle(shared, req, &origin).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, svc)
        .with_upgrades()
        .await;
}

fn text(status: StatusCode, msg: String) -> Response<Body> {
    let mut r = Response::new(
        Full::new(Bytes::from(msg))
            .map_err(|never| match never {})
            .boxed(),
    );
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Host and port of an authority (`[::1]:443` → `::1`, 443).
fn host_port(auth: &hyper::http::uri::Authority, default: u16) -> (String, u16) {
    let host = auth.host().trim_start_matches('[').trim_end_matches(']');
    (host.to_string(), auth.port_u16().unwrap_or(default))
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>, origin: &Origin) -> Response<Body> {
    if req.method() == Method::CONNECT && origin.is_none() {
        let Some(auth) = req.uri().authority().cloned() else {
            return text(StatusCode::BAD_REQUEST, "CONNECT needs host:port\n".into());
        };
        let (host, port) = host_port(&auth, 443);
        tokio::spawn(async move {
            if let Ok(up) = hyper::upgrade::on(req).await {
                tunnel(shared, TokioIo::new(up), host, port).await;
            }
        });
        return Response::new(Full::new(Bytes::new()).map_err(|n| match n {}).boxed());
    }
    let (scheme, host, port) = match origin {
        Some((s, h, p)) => (*s, h.clone(), *p),
        None => {
            let uri = req.uri();
            let scheme = match uri.scheme_str() {
                Some("http") => "http",
                Some("https") => "https",
                _ => {
                    return text(
                        StatusCode::BAD_REQUEST,
                        "iamtrail capture is a proxy: send absolute-form requests (http://host/path) or CONNECT\n"
                            .into(),
                    );
                }
            };
            let Some(auth) = uri.authority() else {
                return text(
                    StatusCode::BAD_REQUEST,
                    "no host in the request URI\n".into(),
                );
            };
            let (h, p) = host_port(auth, if scheme == "https" { 443 } else { 80 });
            (scheme, h, p)
        }
    };
    forward(shared, req, scheme, host, port).await
}

/// Hop-by-hop headers: they describe one connection, not the request.
fn strip_hop_by_hop(h: &mut HeaderMap) {
    let named: Vec<String> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    for n in named {
        // The framing of the body is hyper's to keep, whatever Connection says.
        if n != "transfer-encoding" && n != "content-length" {
            h.remove(n.as_str());
        }
    }
    for n in [
        "connection",
        "proxy-connection",
        "proxy-authorization",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
    ] {
        h.remove(n);
    }
}

/// The request is an AWS call: SigV4/SigV4a/SigV2 `Authorization`, or presigned.
fn is_aws(req: &Request<Incoming>) -> bool {
    let signed = req
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes().starts_with(b"AWS4-") || v.as_bytes().starts_with(b"AWS "));
    signed
        || req.uri().query().is_some_and(|q| {
            q.split('&')
                .any(|kv| kv.starts_with("X-Amz-Credential=") || kv.starts_with("AWSAccessKeyId="))
        })
}

async fn forward(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    scheme: &'static str,
    host: String,
    port: u16,
) -> Response<Body> {
    let aws = is_aws(&req);
    let (mut parts, body) = req.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let shown_host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.clone()
    };
    let uri = match format!("{scheme}://{shown_host}:{port}{path_and_query}").parse() {
        Ok(u) => u,
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("bad request URI: {e}\n")),
    };
    parts.uri = uri;
    let pending = aws.then(|| {
        Pending::new(
            Head {
                method: parts.method.clone(),
                scheme,
                host: host.clone(),
                port,
                path_and_query,
                headers: parts.headers.clone(),
            },
            shared.clone(),
        )
    });
    if !aws {
        shared.stats.passed_requests.fetch_add(1, Ordering::Relaxed);
    }
    let body = Tap::new(body, pending.clone().map(|p| (p, Side::Request)));
    match shared
        .client
        .request(Request::from_parts(parts, body))
        .await
    {
        Ok(resp) => {
            let (mut rparts, rbody) = resp.into_parts();
            strip_hop_by_hop(&mut rparts.headers);
            if let Some(p) = &pending {
                p.response(rparts.status.as_u16(), &rparts.headers);
            }
            let rbody = Tap::new(rbody, pending.map(|p| (p, Side::Response)));
            Response::from_parts(rparts, rbody.boxed())
        }
        Err(e) => {
            shared.stats.upstream_errors.fetch_add(1, Ordering::Relaxed);
            let why = crate::aws::chain(&e);
            if let Some(p) = &pending {
                p.failed(502, why.clone());
            }
            text(
                StatusCode::BAD_GATEWAY,
                format!("iamtrail capture: cannot reach {scheme}://{shown_host}:{port}: {why}\n"),
            )
        }
    }
}

/// How long a tunnel waits for the client to speak first before relaying blind (a
/// protocol where the server speaks first).
const FIRST_BYTES: Duration = Duration::from_millis(500);

async fn tunnel<I>(shared: Arc<Shared>, mut io: I, host: String, port: u16)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut first = vec![0u8; 8];
    let n = match tokio::time::timeout(FIRST_BYTES, io.read(&mut first)).await {
        Ok(Ok(0)) | Ok(Err(_)) => return,
        Ok(Ok(n)) => n,
        Err(_) => 0,
    };
    first.truncate(n);
    let io = Prefixed {
        prefix: Bytes::from(first.clone()),
        inner: io,
    };
    if first.first() == Some(&0x16) {
        let acceptor = tokio_rustls::TlsAcceptor::from(shared.ca.server_config(&host));
        if let Ok(tls) = acceptor.accept(io).await {
            serve(shared, TokioIo::new(tls), Some(("https", host, port))).await;
        }
    } else if !first.is_empty() && first.iter().take_while(|b| b.is_ascii_uppercase()).count() >= 3
    {
        serve(shared, TokioIo::new(io), Some(("http", host, port))).await;
    } else {
        shared.stats.passed_tunnels.fetch_add(1, Ordering::Relaxed);
        let Ok(mut up) = TcpStream::connect((host.as_str(), port)).await else {
            return;
        };
        let mut io = io;
        let _ = tokio::io::copy_bidirectional(&mut io, &mut up).await;
        let _ = up.shutdown().await;
    }
}

/// A stream whose first bytes were already read: they are read again first.
struct Prefixed<I> {
    prefix: Bytes,
    inner: I,
}

impl<I: AsyncRead + Unpin> AsyncRead for Prefixed<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            let head = self.prefix.split_to(n);
            buf.put_slice(&head);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Prefixed<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
