//! CloudTrail records pasted in text (`"eventName": "OP"` with a denied `"errorCode"` in
//! the same paragraph): the operation and its event source. Whole record files are read by
//! `denied::trail`, not here.

use memchr::memmem;

use super::Op;
use super::prepare::{Scan, denied_code};
use super::shapes::Read;
use crate::map::prefix_of;

impl Scan<'_> {
    /// The record around the `"eventName"` key at `m` (ending at `after`), when its
    /// `"errorCode"` is a denial.
    pub(super) fn op_trail(&self, m: usize, after: usize) -> Option<Op> {
        let p = self.p;
        let (op, _) = self.json_str_after(m, after - m)?;
        let (a, b) = p.window(p.line(m), 60);
        let near = |key: &str| {
            let hits: Vec<usize> = memmem::find_iter(&p.lb[a..b], key.as_bytes())
                .map(|x| a + x)
                .collect();
            hits.into_iter()
                .min_by_key(|x| x.abs_diff(m))
                .and_then(|x| self.json_str_after(x, key.len()))
                .map(|(v, _)| v)
        };
        let code = near("\"errorcode\"")?;
        if !denied_code(&code) {
            return None;
        }
        let source = near("\"eventsource\"");
        Some(Op {
            service: source.clone(),
            prefix: source.as_deref().and_then(prefix_of),
            op: Some(op.trim().to_string()),
            code: Some(code),
            denied: true,
            ..Op::new(m, m + 12, Read::TrailText)
        })
    }
}
