//! A body that streams through untouched while keeping a capped copy for the recorder,
//! and the shared record of one exchange in flight, handed to the recorder when the last
//! of its parts (the handler, the request body, the response body) is dropped: so an
//! exchange ends when its response has been sent, or when its connection is gone.

use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::{HeaderMap, Method};

use super::Exchange;
use super::proxy::Shared;

/// What is known so far of one exchange.
#[derive(Default)]
struct Parts {
    req_body: BytesMut,
    req_len: u64,
    status: u16,
    resp_headers: HeaderMap,
    resp_body: BytesMut,
    resp_len: u64,
    upstream_error: Option<String>,
}

/// The request line and headers of an exchange in flight.
pub struct Head {
    /// Method.
    pub method: Method,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Path and query.
    pub path_and_query: String,
    /// Headers.
    pub headers: HeaderMap,
}

/// One exchange in flight; sent to the recorder when dropped.
pub struct Pending {
    head: Option<Head>,
    start: SystemTime,
    parts: Mutex<Parts>,
    shared: Arc<Shared>,
}

impl Pending {
    /// Starts an exchange (counted as active until it is handed over).
    pub fn new(head: Head, shared: Arc<Shared>) -> Arc<Pending> {
        shared.stats.active.fetch_add(1, Ordering::SeqCst);
        Arc::new(Pending {
            head: Some(head),
            start: SystemTime::now(),
            parts: Mutex::new(Parts::default()),
            shared,
        })
    }

    fn parts(&self) -> std::sync::MutexGuard<'_, Parts> {
        self.parts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The response head arrived.
    pub fn response(&self, status: u16, headers: &HeaderMap) {
        let mut p = self.parts();
        p.status = status;
        p.resp_headers = headers.clone();
    }

    /// No response came.
    pub fn failed(&self, status: u16, why: String) {
        let mut p = self.parts();
        p.status = status;
        p.upstream_error = Some(why);
    }

    fn data(&self, side: Side, data: &[u8]) {
        let mut p = self.parts();
        let p = &mut *p;
        let (buf, len, cap) = match side {
            Side::Request => (&mut p.req_body, &mut p.req_len, super::REQUEST_CAP),
            Side::Response => (&mut p.resp_body, &mut p.resp_len, super::RESPONSE_CAP),
        };
        *len += data.len() as u64;
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&data[..room.min(data.len())]);
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let Some(head) = self.head.take() else {
            return;
        };
        let p = std::mem::take(&mut *self.parts());
        let x = Exchange {
            method: head.method,
            scheme: head.scheme,
            host: head.host,
            port: head.port,
            path_and_query: head.path_and_query,
            request_headers: head.headers,
            request_body: p.req_body.freeze(),
            request_body_len: p.req_len,
            status: p.status,
            response_headers: p.resp_headers,
            response_body: p.resp_body.freeze(),
            response_body_len: p.resp_len,
            upstream_error: p.upstream_error,
            start: self.start,
            end: SystemTime::now(),
        };
        self.shared.hand_over(x);
        self.shared.stats.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Which body a tap copies.
#[derive(Clone, Copy, Debug)]
pub enum Side {
    /// The request body.
    Request,
    /// The response body.
    Response,
}

/// A body passed through as a stream; with a [`Pending`], a capped copy of its data goes
/// to it.
pub struct Tap {
    inner: Incoming,
    copy: Option<(Arc<Pending>, Side)>,
}

impl Tap {
    /// Wraps `inner`; `copy`: where its data is copied to, if anywhere.
    pub fn new(inner: Incoming, copy: Option<(Arc<Pending>, Side)>) -> Tap {
        Tap { inner, copy }
    }
}

impl Body for Tap {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let (Some(data), Some((pending, side))) = (frame.data_ref(), &self.copy)
        {
            pending.data(*side, data);
        }
        if let Poll::Ready(None) = &polled {
            // Done: let go of the exchange now rather than when hyper drops the body.
            self.copy = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
