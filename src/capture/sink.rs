//! Recorders: where exchanges go. [`Memory`] keeps them (tests, benches), [`Lines`]
//! writes one JSON line per exchange through a conversion (the CloudTrail record, or the
//! redacted [`Exchange::summary`]), [`Tee`] feeds several.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{Exchange, Recorder};

/// Keeps every exchange in memory.
#[derive(Debug, Clone, Default)]
pub struct Memory(pub Arc<Mutex<Vec<Exchange>>>);

impl Memory {
    /// The exchanges so far.
    pub fn taken(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Recorder for Memory {
    fn exchange(&self, x: Exchange) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(x);
    }
}

/// Turns an exchange into the JSON line to write, or `None` to write nothing.
pub type Convert = dyn Fn(&Exchange) -> Option<serde_json::Value> + Send + Sync;

/// Writes one JSON line per exchange that `convert` turns into a value. Write errors are
/// kept and reported by [`Lines::finish`] rather than lost.
pub struct Lines {
    out: Mutex<(Box<dyn Write + Send>, Option<std::io::Error>)>,
    convert: Box<Convert>,
    written: Arc<AtomicU64>,
}

impl Lines {
    /// Lines written to `out`.
    pub fn new(out: Box<dyn Write + Send>, convert: Box<Convert>) -> Lines {
        Lines {
            out: Mutex::new((out, None)),
            convert,
            written: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A counter of the lines written, readable after the recorder is gone.
    pub fn counter(&self) -> Arc<AtomicU64> {
        self.written.clone()
    }
}

impl Recorder for Lines {
    fn exchange(&self, x: Exchange) {
        let Some(v) = (self.convert)(&x) else {
            return;
        };
        let mut g = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let (out, err) = &mut *g;
        if err.is_some() {
            return;
        }
        let mut line = v.to_string();
        line.push('\n');
        match out.write_all(line.as_bytes()) {
            Ok(()) => {
                self.written.fetch_add(1, Ordering::SeqCst);
            }
            Err(e) => *err = Some(e),
        }
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let g = self.out.get_mut().unwrap_or_else(|p| p.into_inner());
        let _ = g.0.flush();
    }
}

/// Every exchange to each recorder in turn.
pub struct Tee(pub Vec<Box<dyn Recorder>>);

impl Recorder for Tee {
    fn exchange(&self, x: Exchange) {
        if let Some((last, rest)) = self.0.split_last() {
            for r in rest {
                r.exchange(x.clone());
            }
            last.exchange(x);
        }
    }
}
