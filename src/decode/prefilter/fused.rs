//! One pass for everything a plan needs: where records start, how many `"eventID":` keys
//! there are, whether a `\u` escape occurs, and where the needle is. Four separate
//! `memmem` searches each read the whole object; this reads it once, 32 positions at a
//! time, and looks closer only where a pattern's fingerprint shows.
//!
//! Fingerprints at position `p` (each then checked in full):
//! - `"eventVersion":` and `"eventID":` — a `"` at `p` and `V` or `I` at `p + 6`;
//! - `\u` — a `\` at `p` and a `u` at `p + 1`;
//! - the needle — its two rarest bytes in CloudTrail JSON at their offsets (`Pair` with
//!   [`CloudTrailRank`]).
//!
//! The loop runs at about 10 GB/s here (AVX2), half of one `memmem` pass. Where the CPU
//! has AVX-512 BW it compares 64 positions at a time into mask registers (the masked
//! compares fold the ANDs): 6% faster on a hot 1 MB object (`benches/micro.rs`) and 3.5%
//! less time for a principal at 0.5% of the bench corpus, 1 thread (`benches/README.md`).

use memchr::arch::all::packedpair::Pair;

use super::{CloudTrailRank, ID, KEY, NeedleOwner, opens_record};
use crate::decode::inflate::crc32;

/// What one pass over a document found.
#[derive(Debug, Default, Clone)]
pub(super) struct Found {
    /// Where each record starts (its `{`).
    pub starts: Vec<usize>,
    /// How many `"eventID":` keys there are.
    pub ids: usize,
    /// Indices (into `starts`) of the records holding the needle, in order, once each.
    pub hits: Vec<usize>,
}

/// The needle and the two of its bytes the vector loop compares.
#[derive(Debug, Clone)]
pub(super) struct Fused {
    needle: Vec<u8>,
    owner: Option<NeedleOwner>,
    pair: (usize, usize),
    simd: Simd,
}

/// Which vector loop the scan runs (the best the CPU has); the rest of each document,
/// and every position on a CPU without them, is checked a byte at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Simd {
    /// 64 positions per step, compared into mask registers.
    Avx512,
    /// 2 × 32 positions per step.
    Avx2,
    /// Byte by byte.
    None,
}

impl Simd {
    /// The best loop this CPU runs.
    fn detect() -> Simd {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512bw") {
                return Simd::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Simd::Avx2;
            }
        }
        Simd::None
    }

    /// Every loop this CPU runs, the best first (tests run them all).
    #[cfg(test)]
    pub fn available() -> Vec<Simd> {
        let all = [Simd::Avx512, Simd::Avx2, Simd::None];
        let best = all.iter().position(|&s| s == Simd::detect()).unwrap_or(2);
        all[best..].to_vec()
    }
}

/// How far past a position the loop reads for the fixed patterns (`p + 6`).
const REACH: usize = 6;

/// How much text [`Fused::scan_summing`] checksums before scanning it: well inside the
/// first-level data cache (48 KB here).
const SUM_CHUNK: usize = 16 << 10;

impl Fused {
    /// `None` for a needle shorter than two bytes (no pair to compare).
    pub fn new(needle: &[u8], owner: Option<NeedleOwner>) -> Option<Fused> {
        let pair = Pair::with_ranker(needle, CloudTrailRank)?;
        Some(Fused {
            needle: needle.to_vec(),
            owner,
            pair: (usize::from(pair.index1()), usize::from(pair.index2())),
            simd: Simd::detect(),
        })
    }

    /// The same scan with another vector loop (one the CPU runs: see [`Simd::available`]).
    #[cfg(test)]
    pub fn set_simd(&mut self, simd: Simd) {
        self.simd = simd;
    }

    /// Scans the records of `doc` between `from` (the first record's `{`) and `to` (the
    /// `]` closing `Records`) into `found` (cleared first); `false` when the text holds
    /// something the plan cannot trust: an `"eventVersion":` that does not open a record,
    /// or a `\u` escape.
    pub fn scan(&self, doc: &[u8], from: usize, to: usize, found: &mut Found) -> bool {
        found.starts.clear();
        found.hits.clear();
        found.ids = 0;
        let Some(at) = self.vectors(doc, from, to, to, found) else {
            return false;
        };
        (at..to).all(|p| self.check(doc, p, to, found))
    }

    /// [`Fused::scan`], and the CRC-32 of all of `doc` into `crc`, whatever the scan
    /// finds. The text is checksummed a chunk at a time just before it is scanned, so
    /// the scan reads it from the first-level cache instead of from wherever inflating
    /// left it (a separate checksum pass, as libdeflate's own, makes both passes miss).
    pub fn scan_summing(
        &self,
        doc: &[u8],
        from: usize,
        to: usize,
        found: &mut Found,
        crc: &mut u32,
    ) -> bool {
        found.starts.clear();
        found.hits.clear();
        found.ids = 0;
        let mut sum = crc32(0, &doc[..from]);
        let (mut at, mut summed, mut ok) = (from, from, true);
        while summed < to {
            let end = (summed + SUM_CHUNK).min(to);
            sum = crc32(sum, &doc[summed..end]);
            summed = end;
            if ok {
                match self.vectors(doc, at, end, to, found) {
                    Some(next) => at = next,
                    None => ok = false,
                }
            }
        }
        *crc = crc32(sum, &doc[to..]);
        ok && (at..to).all(|p| self.check(doc, p, to, found))
    }

    /// The vector loop this CPU runs, over positions from `from` up to `stop`: where it
    /// stopped, or `None` to give up.
    fn vectors(
        &self,
        doc: &[u8],
        from: usize,
        stop: usize,
        to: usize,
        found: &mut Found,
    ) -> Option<usize> {
        match self.simd {
            // SAFETY: `Simd::detect` found the CPU features each loop needs.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => unsafe { self.blocks512(doc, from, stop, to, found) },
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => unsafe { self.blocks(doc, from, stop, to, found) },
            _ => Some(from),
        }
    }

    /// Checks position `p` for every pattern; `false` to give up on the document.
    #[inline]
    fn check(&self, doc: &[u8], p: usize, to: usize, found: &mut Found) -> bool {
        let rest = &doc[p..to];
        // Fixed-length comparisons compile to a few loads instead of a call to memcmp.
        if rest.first_chunk() == Some(KEY) {
            if !opens_record(doc, p) {
                return false;
            }
            found.starts.push(p - 1);
        } else if rest.first_chunk() == Some(ID) {
            found.ids += 1;
        } else if rest.first_chunk() == Some(br"\u") {
            return false;
        }
        // Most positions here are keys: compare the needle only where its pair shows.
        let (i1, i2) = self.pair;
        if rest.get(i1) == Some(&self.needle[i1])
            && rest.get(i2) == Some(&self.needle[i2])
            && rest.starts_with(&self.needle)
            && self.owner.as_ref().is_none_or(|o| o.accepts(doc, p))
        {
            // Records open with `"eventVersion":`, so a hit lies in the last record seen.
            let Some(record) = found.starts.len().checked_sub(1) else {
                return false;
            };
            if found.hits.last() != Some(&record) {
                found.hits.push(record);
            }
        }
        true
    }

    /// The loop both vector widths run: for every 64-byte step from `from` while a whole
    /// step lies before `stop` (at most `to`) and what `marks` compares past it (up to
    /// [`REACH`] or the needle's pair) inside `doc`, checks each position `p + k` whose bit
    /// `k` is set in `marks(p)`. Returns where it stopped (the rest is checked a byte at a
    /// time), or `None` to give up.
    #[inline(always)]
    fn steps(
        &self,
        doc: &[u8],
        from: usize,
        stop: usize,
        to: usize,
        found: &mut Found,
        marks: impl Fn(usize) -> u64,
    ) -> Option<usize> {
        let reach = REACH.max(self.pair.0).max(self.pair.1);
        let mut p = from;
        while p + 64 + reach <= doc.len() && p + 64 <= stop {
            let mut mask = marks(p);
            while mask != 0 {
                if !self.check(doc, p + mask.trailing_zeros() as usize, to, found) {
                    return None;
                }
                mask &= mask - 1;
            }
            p += 64;
        }
        Some(p)
    }

    /// [`Fused::steps`] with AVX2: each step is two 32-byte compares.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn blocks(
        &self,
        doc: &[u8],
        from: usize,
        stop: usize,
        to: usize,
        found: &mut Found,
    ) -> Option<usize> {
        use std::arch::x86_64::*;
        let (i1, i2) = self.pair;
        let quote = _mm256_set1_epi8(b'"' as i8);
        let vee = _mm256_set1_epi8(b'V' as i8);
        let eye = _mm256_set1_epi8(b'I' as i8);
        let slash = _mm256_set1_epi8(b'\\' as i8);
        let c1 = _mm256_set1_epi8(self.needle[i1] as i8);
        let c2 = _mm256_set1_epi8(self.needle[i2] as i8);
        // Bit k set where position p + k shows one of the fingerprints.
        let marks = |p: usize| -> u32 {
            // SAFETY: every load reads 32 bytes at p + k with p + 32 + k <= doc.len()
            // (`steps` keeps p + 64 + reach inside `doc`), and the CPU has AVX2 (this
            // function's feature).
            unsafe {
                let base = doc.as_ptr().add(p);
                let v0 = _mm256_loadu_si256(base.cast());
                let v6 = _mm256_loadu_si256(base.add(REACH).cast());
                let n1 = _mm256_loadu_si256(base.add(i1).cast());
                let n2 = _mm256_loadu_si256(base.add(i2).cast());
                let keys = _mm256_and_si256(
                    _mm256_cmpeq_epi8(v0, quote),
                    _mm256_or_si256(_mm256_cmpeq_epi8(v6, vee), _mm256_cmpeq_epi8(v6, eye)),
                );
                let escape = _mm256_cmpeq_epi8(v0, slash);
                let needle = _mm256_and_si256(_mm256_cmpeq_epi8(n1, c1), _mm256_cmpeq_epi8(n2, c2));
                let any = _mm256_or_si256(_mm256_or_si256(keys, escape), needle);
                _mm256_movemask_epi8(any) as u32
            }
        };
        self.steps(doc, from, stop, to, found, |p| {
            u64::from(marks(p)) | u64::from(marks(p + 32)) << 32
        })
    }

    /// [`Fused::steps`] with AVX-512 BW: each step is one 64-byte compare into mask
    /// registers (masked compares fold the ANDs).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn blocks512(
        &self,
        doc: &[u8],
        from: usize,
        stop: usize,
        to: usize,
        found: &mut Found,
    ) -> Option<usize> {
        use std::arch::x86_64::*;
        let (i1, i2) = self.pair;
        let quote = _mm512_set1_epi8(b'"' as i8);
        let vee = _mm512_set1_epi8(b'V' as i8);
        let eye = _mm512_set1_epi8(b'I' as i8);
        let slash = _mm512_set1_epi8(b'\\' as i8);
        let c1 = _mm512_set1_epi8(self.needle[i1] as i8);
        let c2 = _mm512_set1_epi8(self.needle[i2] as i8);
        self.steps(doc, from, stop, to, found, |p| {
            // SAFETY: every load reads 64 bytes at p + k with p + 64 + k <= doc.len()
            // (`steps` keeps p + 64 + reach inside `doc`), and the CPU has AVX-512 BW
            // (this function's features).
            unsafe {
                let base = doc.as_ptr().add(p);
                let v0 = _mm512_loadu_si512(base.cast());
                let v6 = _mm512_loadu_si512(base.add(REACH).cast());
                let n1 = _mm512_loadu_si512(base.add(i1).cast());
                let n2 = _mm512_loadu_si512(base.add(i2).cast());
                let q = _mm512_cmpeq_epi8_mask(v0, quote);
                let keys = _mm512_mask_cmpeq_epi8_mask(q, v6, vee)
                    | _mm512_mask_cmpeq_epi8_mask(q, v6, eye);
                let escape = _mm512_cmpeq_epi8_mask(v0, slash);
                let needle = _mm512_mask_cmpeq_epi8_mask(_mm512_cmpeq_epi8_mask(n1, c1), n2, c2);
                keys | escape | needle
            }
        })
    }
}
