//! The capture proxy's cost: median latency of one call through the proxy against a
//! local hyper server, next to the same call made directly, and 200 concurrent
//! connections. Plain harness; prints the ratios (proxy / direct).
//!
//! `cargo bench --bench capture` (`-- quick` for a short run).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use iamtrail::capture::proxy::{Proxy, ProxyConfig};
use iamtrail::capture::{Exchange, Recorder};
use tokio::net::{TcpListener, TcpStream};

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261120/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const BODY: &[u8] = br#"{"TableName":"orders","Key":{"id":{"S":"0f8fad5b-d9cb-469f-a165-70867728950e"}},"ConsistentRead":true}"#;

/// Drops what it gets: the bench measures the proxy, not a writer.
struct Discard;
impl Recorder for Discard {
    fn exchange(&self, x: Exchange) {
        std::hint::black_box(x);
    }
}

async fn origin() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = l.accept().await.unwrap();
            let _ = tcp.set_nodelay(true);
            tokio::spawn(async move {
                let svc = service_fn(|req: Request<Incoming>| async move {
                    let _ = req.into_body().collect().await;
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
                        br#"{"Item":{"id":{"S":"0f8fad5b"},"total":{"N":"42"}}}"#,
                    ))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    addr
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(to: SocketAddr) -> Sender {
    let tcp = TcpStream::connect(to).await.unwrap();
    let _ = tcp.set_nodelay(true);
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    send
}

/// One call: `absolute` is the proxy form (`http://host/path`), else origin form.
async fn call(send: &mut Sender, up: SocketAddr, absolute: bool, aws: bool) -> Duration {
    let uri = if absolute {
        format!("http://{up}/")
    } else {
        "/".to_string()
    };
    let mut b = Request::post(uri)
        .header("host", up.to_string())
        .header("x-amz-target", "DynamoDB_20120810.GetItem")
        .header("content-type", "application/x-amz-json-1.0");
    if aws {
        b = b.header("authorization", AUTH);
    }
    let req = b.body(Full::new(Bytes::from_static(BODY))).unwrap();
    let t = Instant::now();
    send.ready().await.unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let _ = resp.into_body().collect().await.unwrap();
    t.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p) as usize]
}

/// Sequential calls on one kept-alive connection; the median.
async fn sequential(
    to: SocketAddr,
    up: SocketAddr,
    absolute: bool,
    aws: bool,
    n: usize,
) -> Duration {
    let mut send = connect(to).await;
    for _ in 0..n / 10 {
        call(&mut send, up, absolute, aws).await;
    }
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(call(&mut send, up, absolute, aws).await);
    }
    median(v)
}

/// Sequential calls, each on a new connection (what a client without a pool does).
async fn fresh(to: SocketAddr, up: SocketAddr, absolute: bool, n: usize) -> Duration {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let mut send = connect(to).await;
        call(&mut send, up, absolute, true).await;
        v.push(t.elapsed());
    }
    median(v)
}

/// `conns` connections open at once, `per` calls each: wall time, p50 and p99.
async fn concurrent(
    to: SocketAddr,
    up: SocketAddr,
    absolute: bool,
    conns: usize,
    per: usize,
) -> (Duration, Duration, Duration) {
    let barrier = Arc::new(tokio::sync::Barrier::new(conns + 1));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let mut send = connect(to).await;
            barrier.wait().await;
            let mut v = Vec::with_capacity(per);
            for _ in 0..per {
                v.push(call(&mut send, up, absolute, true).await);
            }
            v
        }));
    }
    barrier.wait().await;
    let t = Instant::now();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let wall = t.elapsed();
    let p50 = pct(&mut all, 0.5);
    let p99 = pct(&mut all, 0.99);
    (wall, p50, p99)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let (n, per) = if quick { (300, 2) } else { (3000, 10) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let up = origin().await;
        let proxy = Proxy::start(&ProxyConfig::default(), Box::new(Discard))
            .await
            .unwrap();
        let px = proxy.addr();
        println!("capture proxy vs direct, local hyper server, 2 worker threads, {n} calls each");
        let direct = sequential(up, up, false, true, n).await;
        let tapped = sequential(px, up, true, true, n).await;
        let passed = sequential(px, up, true, false, n).await;
        println!("median per call, kept-alive connection:");
        println!("  direct                  {}", us(direct));
        println!(
            "  proxy, AWS (recorded)   {}  ratio {:.2}  overhead {}",
            us(tapped),
            tapped.as_secs_f64() / direct.as_secs_f64(),
            us(tapped.saturating_sub(direct))
        );
        println!(
            "  proxy, non-AWS (passed) {}  ratio {:.2}",
            us(passed),
            passed.as_secs_f64() / direct.as_secs_f64()
        );
        let fd = fresh(up, up, false, n / 3).await;
        let fp = fresh(px, up, true, n / 3).await;
        println!("median per call, new connection each:");
        println!("  direct                  {}", us(fd));
        println!(
            "  proxy, AWS (recorded)   {}  ratio {:.2}  overhead {}",
            us(fp),
            fp.as_secs_f64() / fd.as_secs_f64(),
            us(fp.saturating_sub(fd))
        );
        let (dw, d50, d99) = concurrent(up, up, false, 200, per).await;
        let (pw, p50, p99) = concurrent(px, up, true, 200, per).await;
        println!("200 concurrent connections, {per} calls each:");
        println!(
            "  direct   wall {:>8.1} ms  p50 {}  p99 {}",
            dw.as_secs_f64() * 1e3,
            us(d50),
            us(d99)
        );
        println!(
            "  proxy    wall {:>8.1} ms  p50 {}  p99 {}  wall ratio {:.2}",
            pw.as_secs_f64() * 1e3,
            us(p50),
            us(p99),
            pw.as_secs_f64() / dw.as_secs_f64()
        );
        let counts = proxy.stop(Duration::from_secs(5)).await;
        println!(
            "recorded {} exchanges, passed {} requests",
            counts.recorded, counts.passed_requests
        );
    });
}
