//! libdeflate through its C API, for what the `libdeflater` wrapper does not tell: how
//! many input bytes a gzip member (or a raw deflate stream) took. With it, an object is
//! one whole member exactly when that member ends where the object does (before, the
//! decoder searched the compressed bytes for a second trailer: ~1% of a single-principal
//! run), and a member can be inflated without its checksum (raw deflate after its
//! header, [`gzip_header_len`]) when the caller sums the text itself ([`crc32`]).

use std::ffi::c_void;
use std::ptr::NonNull;

use libdeflate_sys::{
    libdeflate_alloc_decompressor, libdeflate_crc32, libdeflate_decompressor,
    libdeflate_deflate_decompress_ex, libdeflate_free_decompressor, libdeflate_gzip_decompress_ex,
    libdeflate_result, libdeflate_result_LIBDEFLATE_SUCCESS,
};

/// The CRC-32 (gzip's) of `bytes` continuing from `crc` (0 to start), with libdeflate's
/// vectorized code.
pub(super) fn crc32(crc: u32, bytes: &[u8]) -> u32 {
    // SAFETY: a live slice's pointer and length; libdeflate only reads it.
    unsafe { libdeflate_crc32(crc, bytes.as_ptr().cast(), bytes.len()) }
}

/// The length of a gzip member's header (RFC 1952, 2.3): `None` when `data` does not
/// start with a whole one libdeflate would take (deflate, no reserved flag bits).
pub(super) fn gzip_header_len(data: &[u8]) -> Option<usize> {
    const FHCRC: u8 = 0x02;
    const FEXTRA: u8 = 0x04;
    const FNAME: u8 = 0x08;
    const FCOMMENT: u8 = 0x10;
    let [0x1f, 0x8b, 8, flags, ..] = *data else {
        return None;
    };
    if flags & 0xe0 != 0 || data.len() < 10 {
        return None;
    }
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let len = u16::from_le_bytes([*data.get(at)?, *data.get(at + 1)?]);
        at += 2 + usize::from(len);
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            at += data.get(at..)?.iter().position(|&b| b == 0)? + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    (at <= data.len()).then_some(at)
}

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
        self.run(libdeflate_gzip_decompress_ex, data, out)
    }

    /// Inflates one raw deflate stream at the start of `data` into `out`, checking
    /// nothing but its own structure: `(bytes of data it took, bytes written)`, or `None`
    /// when it is damaged or its output does not fit `out`.
    pub fn deflate(&mut self, data: &[u8], out: &mut [u8]) -> Option<(usize, usize)> {
        self.run(libdeflate_deflate_decompress_ex, data, out)
    }

    /// Calls one of libdeflate's `*_decompress_ex` functions (they share a signature).
    fn run(&mut self, inflate: Decompress, data: &[u8], out: &mut [u8]) -> Option<(usize, usize)> {
        let (mut used, mut written) = (0usize, 0usize);
        // SAFETY: the pointers and lengths are those of live slices, `out` is writable
        // and not aliased (`&mut`), and the decompressor is ours alone (`&mut self`).
        let result = unsafe {
            inflate(
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

/// The signature of libdeflate's `*_decompress_ex` functions.
type Decompress = unsafe extern "C" fn(
    *mut libdeflate_decompressor,
    *const c_void,
    usize,
    *mut c_void,
    usize,
    *mut usize,
    *mut usize,
) -> libdeflate_result;

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
    fn a_header_is_as_long_as_its_flags_say() {
        let base = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        let with = |flags: u8, rest: &[u8]| {
            let mut h = base.to_vec();
            h[3] = flags;
            h.extend_from_slice(rest);
            h
        };
        assert_eq!(gzip_header_len(&base), Some(10));
        assert_eq!(gzip_header_len(&with(0x08, b"a.json\0")), Some(17));
        assert_eq!(gzip_header_len(&with(0x10, b"hi\0")), Some(13));
        assert_eq!(gzip_header_len(&with(0x04, &[2, 0, 9, 9])), Some(14));
        assert_eq!(gzip_header_len(&with(0x02, &[0, 0])), Some(12));
        assert_eq!(
            gzip_header_len(&with(0x1e, &[1, 0, 7, b'n', 0, b'c', 0, 5, 5])),
            Some(19)
        );
        // Reserved flag bits, another method, truncated fields, not gzip.
        assert_eq!(gzip_header_len(&with(0x20, b"")), None);
        let mut stored = base;
        stored[2] = 7;
        assert_eq!(gzip_header_len(&stored), None);
        assert_eq!(gzip_header_len(&with(0x08, b"no end")), None);
        assert_eq!(gzip_header_len(&with(0x04, &[9, 0, 1])), None);
        assert_eq!(gzip_header_len(&with(0x02, &[0])), None);
        assert_eq!(gzip_header_len(&base[..9]), None);
        assert_eq!(gzip_header_len(b"{\"Records\":[]}"), None);
    }

    #[test]
    fn the_crc_is_gzips() {
        let text = b"{\"Records\":[{\"eventVersion\":\"1.08\"}]}";
        let gz = gzip(text);
        let trailer = u32::from_le_bytes(gz[gz.len() - 8..gz.len() - 4].try_into().unwrap());
        assert_eq!(crc32(0, text), trailer);
        // In pieces, as the prefilter sums it.
        assert_eq!(
            crc32(crc32(crc32(0, &text[..5]), &text[5..20]), &text[20..]),
            trailer
        );
        assert_eq!(crc32(0, b""), 0);
    }

    #[test]
    fn a_raw_stream_tells_where_it_ends() {
        let text = b"some text, some text, some text";
        let gz = gzip(text);
        let head = gzip_header_len(&gz).unwrap();
        let mut inf = Inflater::new();
        let mut out = vec![0u8; text.len()];
        assert_eq!(
            inf.deflate(&gz[head..], &mut out),
            Some((gz.len() - head - 8, text.len()))
        );
        assert_eq!(&out[..], &text[..]);
        assert_eq!(inf.deflate(&gz[head..], &mut [0u8; 3]), None);
        assert_eq!(inf.deflate(&gz[head..head + 4], &mut out), None);
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
                    if let Some(head) = gzip_header_len(&data) {
                        prop_assert!(head <= data.len());
                        if let Some((used, written)) = inf.deflate(&data[head..], &mut out) {
                            prop_assert!(used <= data.len() - head && written <= room);
                        }
                    }
                    Ok(())
                },
            )
            .unwrap();
    }
}
