//! Error codes and generic sentences with nothing else to go on (`AccessDenied`,
//! `UnauthorizedOperation`, `You are not authorized to perform this operation`, S3's bare
//! `Access Denied`): one denial per paragraph, and none near a denial already found.

use super::build::Parts;
use super::prepare::Scan;
use crate::denied::Denial;
use crate::denied::authz::AuthorizationDecoder;

/// Lines around a denial within which a bare error code is taken to be part of it.
const NEAR: usize = 8;

impl Scan<'_> {
    /// Denials of the bare codes at `markers` (sorted positions) that `out` does not
    /// already account for, appended to `out`.
    pub(super) fn bare(
        &self,
        markers: &[usize],
        decoder: &dyn AuthorizationDecoder,
        out: &mut Vec<Denial>,
    ) {
        let p = self.p;
        let mut taken: Vec<usize> = out.iter().filter_map(|d| d.line).collect();
        taken.sort_unstable();
        let near_taken = |line: usize, para: u32| {
            let i = taken.partition_point(|&l| l < line.saturating_sub(NEAR));
            taken[i..]
                .iter()
                .take_while(|&&l| l <= line + NEAR)
                .any(|&l| p.para(l) == para)
        };
        let mut seen_para = std::collections::BTreeSet::new();
        for &m in markers {
            let line = p.line(m);
            let para = p.para(line);
            if seen_para.contains(&para) || near_taken(line, para) || !seen_para.insert(para) {
                continue;
            }
            // Start the excerpt at the beginning of the code word.
            let start = (m.saturating_sub(40)..m)
                .rev()
                .find(|&i| p.fb()[i].is_ascii_whitespace())
                .map_or(m, |i| i + 1);
            out.push(self.build(Parts::at(start, m), decoder));
        }
    }
}
