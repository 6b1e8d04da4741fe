//! libdeflate through its C API, for the one thing the `libdeflater` wrapper does not
//! tell: how many input bytes a gzip member took. With it, an object is one whole member
//! exactly when that member ends where the object does (before, the decoder searched the
//! compressed bytes for a second trailer: ~1% of a single-principal run).

use std::ptr::NonNull;

use libdeflate_sys::{
    libdeflate_alloc_decompressor, libdeflate_decompressor, libdeflate_free_decompressor,
    libdeflate_gzip_decompress_ex, libdeflate_result_LIBDEFLATE_SUCCESS,
};

/// One libdeflate decompressor (its tables are reused from call to call).
pub(super) struct Inflater(NonNull<libdeflate_decompressor>);

// SAFETY: a decompressor is plain memory libdeflate reads and writes only inside calls,
// which take `&mut self`; nothing ties it to the thread that allocated it.
unsafe impl Send for Inflater {}

impl Inflater {
    /// A new decompressor. Panics only when the allocator fails (as a `Vec` would).
    pub fn new() -> Inflater {
        // SAFETY: no arguments; a null return is handled.
        let p = unsafe { libdeflate_alloc_decompressor() };
        Inflater(NonNull::new(p).expect("libdeflate could not allocate a decompressor"))
    }

    /// Inflates the first gzip member of `data` into `out` and checks it against its own
    /// trailer (CRC-32 and size): `(bytes of data the member took, bytes written)`, or
    /// `None` when it is not a valid member or its output does not fit `out`.
    pub fn gzip_member(&mut self, data: &[u8], out: &mut [u8]) -> Option<(usize, usize)> {
        let (mut used, mut written) = (0usize, 0usize);
        // SAFETY: the pointers and lengths are those of live slices, `out` is writable
        // and not aliased (`&mut`), and the decompressor is ours alone (`&mut self`).
        let result = unsafe {
            libdeflate_gzip_decompress_ex(
                self.0.as_ptr(),
                data.as_ptr().cast(),
                data.len(),
                out.as_mut_ptr().cast(),
                out.len(),
                &mut used,
                &mut written,
            )
        };
        (result == libdeflate_result_LIBDEFLATE_SUCCESS
            && used <= data.len()
            && written <= out.len())
        .then_some((used, written))
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        // SAFETY: allocated by `libdeflate_alloc_decompressor`, freed once.
        unsafe { libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text).expect("in memory");
        e.finish().expect("in memory")
    }

    #[test]
    fn a_member_tells_where_it_ends() {
        let mut inf = Inflater::new();
        let one = gzip(b"{\"Records\":[]}");
        let mut out = vec![0u8; 14];
        assert_eq!(inf.gzip_member(&one, &mut out), Some((one.len(), 14)));
        assert_eq!(&out, b"{\"Records\":[]}");
        // Two members: the first one, and how much of the input it took.
        let two = [gzip(b"abc"), gzip(b"defg")].concat();
        let mut out = vec![0u8; 3];
        assert_eq!(
            inf.gzip_member(&two, &mut out),
            Some((two.len() - gzip(b"defg").len(), 3))
        );
    }

    #[test]
    fn damage_and_short_output_are_refused() {
        let mut inf = Inflater::new();
        let gz = gzip(b"some text that compresses");
        // Output larger than the room given.
        assert_eq!(inf.gzip_member(&gz, &mut [0u8; 4]), None);
        // A flipped CRC byte.
        let mut bad = gz.clone();
        let crc = bad.len() - 8;
        bad[crc] ^= 1;
        assert_eq!(inf.gzip_member(&bad, &mut [0u8; 64]), None);
        // Truncated, empty, not gzip.
        assert_eq!(inf.gzip_member(&gz[..gz.len() - 3], &mut [0u8; 64]), None);
        assert_eq!(inf.gzip_member(b"", &mut [0u8; 64]), None);
        assert_eq!(inf.gzip_member(b"{\"Records\":[]}", &mut [0u8; 64]), None);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        use proptest::prelude::*;
        let gz = gzip(b"{\"Records\":[{\"eventVersion\":\"1.08\"}]}");
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &(
                    prop::collection::vec(any::<u8>(), 0..64),
                    0..gz.len(),
                    0usize..80,
                ),
                |(junk, at, room)| {
                    let mut data = gz.clone();
                    data.splice(at..at + junk.len().min(gz.len() - at), junk);
                    let mut out = vec![0u8; room];
                    let mut inf = Inflater::new();
                    if let Some((used, written)) = inf.gzip_member(&data, &mut out) {
                        prop_assert!(used <= data.len() && written <= room);
                    }
                    Ok(())
                },
            )
            .unwrap();
    }
}
