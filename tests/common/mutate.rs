//! Byte-level mutations the fuzz tests apply to valid inputs (each test chooses its own
//! fragments to insert; applying them is the same everywhere).

/// One edit of a byte string; positions wrap around the current length.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// XOR one byte (never with 0).
    Flip(usize, u8),
    /// Cut the input.
    Truncate(usize),
    /// Insert bytes.
    Insert(usize, Vec<u8>),
    /// Delete up to n bytes.
    Delete(usize, usize),
}

/// Applies the mutations in order.
pub fn apply(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = b.len().max(1);
        match m {
            Mutation::Flip(i, x) if !b.is_empty() => b[i % len] ^= x | 1,
            Mutation::Truncate(i) => b.truncate(i % len),
            Mutation::Insert(i, bytes) => {
                let at = i % (b.len() + 1);
                b.splice(at..at, bytes.iter().copied());
            }
            Mutation::Delete(i, n) if !b.is_empty() => {
                let at = i % len;
                let end = (at + n).min(b.len());
                b.drain(at..end);
            }
            _ => {}
        }
    }
    b
}
