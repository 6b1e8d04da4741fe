//! How common each byte is in CloudTrail's JSON, for choosing which two bytes of a
//! needle the substring search compares first.
//!
//! `memchr` picks a needle's two rarest bytes by a frequency table of general text, where
//! `"` is rare. In CloudTrail JSON `"` is the most common byte of all, and every needle
//! ends with one (`NAME"`), so the default pair (`"` and `-` for `billing-lambda-role"`)
//! matched ~1.3 times per KB of the bench corpus, 60 times as often as the needle: each
//! such position is checked in full. Ranked by CloudTrail's own frequencies, the pair
//! for that needle is `g` and `b`, three times rarer (measured in `benches/README.md`).
//!
//! The order is the byte frequencies of `sample-trails/` (the test below recomputes it);
//! real trails and the synthetic bench corpus rank their common bytes nearly the same.

use memchr::arch::all::packedpair::HeuristicFrequencyRank;

/// The bytes of `sample-trails/`'s JSON from the rarest to the most common (ties by byte
/// value). A byte absent from them ranks below all of these.
const BY_FREQUENCY: &[u8] =
    b"&;$'?=*@()+%[]YFUjKXq\\QJBZWLMG#HzkxVP_ONhRDT{}EgwC79 vy8I/5bS6f4p.0Almu,-doic3rn12t:sae\"";

/// [`BY_FREQUENCY`] as a rank per byte: 0 for bytes it does not list, then 1 (its
/// rarest) up to 255 (its most common), spread evenly.
const RANKS: [u8; 256] = ranks();

const fn ranks() -> [u8; 256] {
    let mut out = [0u8; 256];
    let n = BY_FREQUENCY.len();
    let mut i = 0;
    while i < n {
        out[BY_FREQUENCY[i] as usize] = (1 + i * 254 / (n - 1)) as u8;
        i += 1;
    }
    out
}

/// CloudTrail JSON's byte frequencies, for `memchr`'s pair selection.
#[derive(Debug, Clone, Copy)]
pub(super) struct CloudTrailRank;

impl HeuristicFrequencyRank for CloudTrailRank {
    fn rank(&self, byte: u8) -> u8 {
        RANKS[usize::from(byte)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn json_of_sample_trails() -> Vec<u8> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-trails");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).expect("sample-trails/ lists") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.to_string_lossy().contains("/CloudTrail/")
                    && p.to_string_lossy().ends_with(".json.gz")
                {
                    files.push(p);
                }
            }
        }
        files.sort();
        assert!(!files.is_empty(), "no CloudTrail object in sample-trails/");
        let mut json = Vec::new();
        for f in files {
            let gz = std::fs::read(&f).expect("readable");
            flate2::read::MultiGzDecoder::new(&gz[..])
                .read_to_end(&mut json)
                .expect("gzip");
        }
        json
    }

    #[test]
    fn the_order_is_the_byte_frequencies_of_the_sample_trails() {
        let json = json_of_sample_trails();
        let mut counts = [0usize; 256];
        for &b in &json {
            counts[usize::from(b)] += 1;
        }
        let mut present: Vec<u8> = (0..=255u8)
            .filter(|&b| counts[usize::from(b)] > 0)
            .collect();
        present.sort_by_key(|&b| (counts[usize::from(b)], b));
        assert_eq!(
            String::from_utf8_lossy(&present),
            String::from_utf8_lossy(BY_FREQUENCY),
            "sample-trails/ changed: put this order in BY_FREQUENCY"
        );
    }

    #[test]
    fn ranks_keep_the_order_and_put_unlisted_bytes_first() {
        for w in BY_FREQUENCY.windows(2) {
            assert!(CloudTrailRank.rank(w[0]) < CloudTrailRank.rank(w[1]));
        }
        assert_eq!(CloudTrailRank.rank(b'"'), 255);
        assert_eq!(CloudTrailRank.rank(b'&'), 1);
        assert_eq!(CloudTrailRank.rank(b'!'), 0);
        assert_eq!(CloudTrailRank.rank(0xFF), 0);
    }

    #[test]
    fn a_role_needle_pairs_rare_letters_not_its_closing_quote() {
        use memchr::arch::all::packedpair::Pair;
        let needle = b"billing-lambda-role\"";
        let pair = Pair::with_ranker(needle, CloudTrailRank).expect("a pair");
        let bytes = [
            needle[usize::from(pair.index1())],
            needle[usize::from(pair.index2())],
        ];
        assert!(
            !bytes.contains(&b'"') && !bytes.contains(&b'-'),
            "{bytes:?}"
        );
        // The default ranking takes the quote: what this table is for.
        let default = Pair::new(needle).expect("a pair");
        assert_eq!(needle[usize::from(default.index1())], b'"');
    }
}
