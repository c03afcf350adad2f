//! The WAL index header in the `-shm` file, and WAL frames checked as
//! SQLite checks them (<https://www.sqlite.org/walformat.html>).

use super::raw_file::{RawFile, SHM_READ};
use crate::{Error, Result};

/// `WalIndexHdr.iVersion` and the WAL header's format version.
const WAL_VERSION: u32 = 3_007_000;
/// The WAL file's magic number; bit 0 says big-endian checksums.
const WAL_MAGIC: u32 = 0x377f_0682;
pub(super) const WAL_HEADER: u64 = 32;
pub(super) const FRAME_HEADER: u64 = 24;

/// The WAL-index header (`WalIndexHdr`), in the `-shm` file in the
/// machine's byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct IndexHeader {
    pub(super) change: u32,
    pub(super) big_end_cksum: bool,
    pub(super) sz_page: u16,
    pub(super) mx_frame: u32,
    pub(super) n_page: u32,
    pub(super) frame_cksum: [u32; 2],
    /// As in the WAL file's header (raw bytes).
    pub(super) salt: [u8; 8],
}

impl IndexHeader {
    pub(super) fn page_size(&self) -> usize {
        (usize::from(self.sz_page) & 0xfe00) + ((usize::from(self.sz_page) & 1) << 16)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ShmState {
    pub(super) header: IndexHeader,
    pub(super) backfill: u32,
}

/// The WAL-index header and `nBackfill` from the start of the `-shm`
/// mapping, or `None` while it is being written or not set up (SQLite
/// keeps two copies and a checksum for the same reason).
pub(super) fn parse_shm(b: &[u8; SHM_READ]) -> Option<ShmState> {
    if b[..48] != b[48..96] {
        return None;
    }
    let u = |i: usize| u32::from_ne_bytes(b[i..i + 4].try_into().expect("4 bytes"));
    let cksum = checksum(&b[..40], cfg!(target_endian = "big"), [0, 0]);
    if u(0) != WAL_VERSION || b[12] != 1 || cksum != [u(40), u(44)] {
        return None;
    }
    Some(ShmState {
        header: IndexHeader {
            change: u(8),
            big_end_cksum: b[13] != 0,
            sz_page: u16::from_ne_bytes([b[14], b[15]]),
            mx_frame: u(16),
            n_page: u(20),
            frame_cksum: [u(24), u(28)],
            salt: b[32..40].try_into().expect("8 bytes"),
        },
        backfill: u(96),
    })
}

/// SQLite's WAL checksum (`walChecksumBytes`) over `data` (a multiple of
/// 8 bytes), words read big- or little-endian.
fn checksum(data: &[u8], big_endian: bool, start: [u32; 2]) -> [u32; 2] {
    let [mut s1, mut s2] = start;
    let word = |w: &[u8]| {
        let w: [u8; 4] = w.try_into().expect("4 bytes");
        if big_endian {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    for pair in data.chunks_exact(8) {
        s1 = s1.wrapping_add(word(&pair[..4])).wrapping_add(s2);
        s2 = s2.wrapping_add(word(&pair[4..])).wrapping_add(s1);
    }
    [s1, s2]
}

/// Check WAL frames `1..=mxFrame` exactly as SQLite accepts them and note,
/// for each page of the snapshot, its newest frame.
pub(super) fn index_wal(
    wal: &RawFile<'_>,
    hdr: &IndexHeader,
    page_size: usize,
    n_pages: u64,
) -> Result<Vec<u32>> {
    let bad = || {
        Error::Conflict(
            "the office's write-ahead log changed during the backup snapshot; try again".into(),
        )
    };
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            bad()
        } else {
            Error::io("cannot read the office's write-ahead log", e)
        }
    };
    let mut frames = vec![0u32; usize::try_from(n_pages).map_err(|_| bad())?];
    let mut head = [0u8; WAL_HEADER as usize];
    wal.read_exact_at(&mut head, 0).map_err(io)?;
    let be = |b: &[u8]| u32::from_be_bytes(b[..4].try_into().expect("4 bytes"));
    let big_end = be(&head) & 1 == 1;
    if be(&head) & !1 != WAL_MAGIC
        || big_end != hdr.big_end_cksum
        || be(&head[4..]) != WAL_VERSION
        || be(&head[8..]) as usize != page_size
        || head[16..24] != hdr.salt
    {
        return Err(bad());
    }
    let mut sum = checksum(&head[..24], big_end, [0, 0]);
    if sum != [be(&head[24..]), be(&head[28..])] {
        return Err(bad());
    }
    // Frames are read a batch at a time, in order.
    let frame_len = FRAME_HEADER as usize + page_size;
    let per_batch = (1 << 20) / frame_len;
    let mut batch = vec![0u8; per_batch * frame_len];
    let mut commit = 0;
    let mut f = 0u32;
    while f < hdr.mx_frame {
        let n = (hdr.mx_frame - f).min(per_batch as u32) as usize;
        let at = WAL_HEADER + u64::from(f) * frame_len as u64;
        wal.read_exact_at(&mut batch[..n * frame_len], at)
            .map_err(io)?;
        for frame in batch[..n * frame_len].chunks_exact(frame_len) {
            f += 1;
            let pgno = be(frame);
            commit = be(&frame[4..]);
            if pgno == 0 || frame[8..16] != hdr.salt {
                return Err(bad());
            }
            sum = checksum(&frame[..8], big_end, sum);
            sum = checksum(&frame[FRAME_HEADER as usize..], big_end, sum);
            if sum != [be(&frame[16..]), be(&frame[20..])] {
                return Err(bad());
            }
            if let Some(slot) = frames.get_mut(pgno as usize - 1) {
                *slot = f;
            }
        }
    }
    // The last frame is the snapshot's commit, as the header says.
    if sum != hdr.frame_cksum || commit != hdr.n_page {
        return Err(bad());
    }
    Ok(frames)
}
