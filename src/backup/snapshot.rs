//! A consistent snapshot of the office file's pages, read as they are on
//! disk (still encrypted by SQLCipher), without decrypting anything.
//!
//! # Why this is a consistent snapshot
//!
//! The office runs in WAL mode. A committed write goes to the `-wal` file
//! as frames (one page each, already encrypted: SQLCipher encrypts a page
//! before SQLite writes it to the WAL, and a checkpoint copies frames into
//! the main file byte for byte). The `-shm` file holds the *WAL-index
//! header*: which frame is the last committed one (`mxFrame`), the
//! database's size in pages, the salts and the running checksum of that
//! frame; and `nBackfill`, how many frames a checkpoint has copied into
//! the main file. A reader's snapshot is exactly the header it saw when its
//! read transaction began: for each page, the newest WAL frame `<= mxFrame`
//! holding it, else the main file's copy. (File format:
//! <https://www.sqlite.org/walformat.html>, <https://www.sqlite.org/fileformat2.html#walformat>.)
//!
//! We open a read transaction on the office connection and learn its
//! header by reading the `-shm` header before `BEGIN` and twice after the
//! transaction's first read: if all three are identical, nobody committed
//! or reset the WAL in between (`iChange` and `mxFrame` only grow within
//! one WAL, and a reset changes the salts), so our transaction's snapshot
//! is that header. Otherwise we end the transaction and try again.
//!
//! While our read transaction is open, SQLite's locking keeps what we read
//! still (other terminals and processes keep committing new frames after
//! `mxFrame`; that does not touch what we read):
//!
//! - A checkpoint never copies a frame newer than any open reader's mark
//!   (`<= mxFrame` for us) into the main file, so a main-file page that no
//!   frame `<= mxFrame` holds is not written while we read it. Pages that
//!   such frames do hold may be overwritten by a concurrent checkpoint, but
//!   we take those from the WAL, never from the main file.
//! - The WAL is only reset (new frames written from its start) when no
//!   reader holds a read mark other than 0, i.e. reads the WAL. A reader
//!   gets mark 0 only when the WAL was completely copied at its start
//!   (`nBackfill == mxFrame`).
//!
//! Hence two cases, told apart by `nBackfill` read with the same header:
//!
//! - `nBackfill == mxFrame` (the usual case after our best-effort
//!   checkpoint): the main file already holds every page of the snapshot,
//!   and no checkpoint may write to it while we read. We read only the
//!   main file; the WAL may even be reset under us, we do not look at it.
//! - `nBackfill < mxFrame` (a reader elsewhere kept the checkpoint from
//!   finishing): then it was so at our `BEGIN` too (it only grows until a
//!   reset, which would have changed the header), so we hold a non-zero
//!   read mark and frames `1..=mxFrame` stay as they are until we finish.
//!   We read them once, checking every frame's salts and the checksum
//!   chain up to the header's own checksum of frame `mxFrame` (exactly how
//!   SQLite decides a frame is valid), note each page's newest frame, and
//!   then read those pages from the WAL and all others from the main file.
//!
//! The snapshot has the header's page count (or, when the header has none,
//! the main file's, as SQLite reads it). Outside WAL mode a read
//! transaction holds SQLite's shared lock, which stops any write to the
//! main file, and the main file alone is the snapshot.
//!
//! The pages are read twice while the transaction is held (once to hash
//! them for the manifest, which leads the archive, and once into the
//! archive); both reads give the same bytes, and the backup's read-back
//! check compares the archive with that hash once more.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, Transaction};

use crate::{Error, Result};

/// `WalIndexHdr.iVersion` and the WAL header's format version.
const WAL_VERSION: u32 = 3_007_000;
/// The WAL file's magic number; bit 0 says big-endian checksums.
const WAL_MAGIC: u32 = 0x377f_0682;
const WAL_HEADER: u64 = 32;
const FRAME_HEADER: u64 = 24;
/// Two copies of the 48-byte WAL-index header, then `nBackfill`.
const SHM_READ: usize = 100;
/// How often to start again when someone commits at the very moment the
/// snapshot is taken (each try takes microseconds).
const ATTEMPTS: u32 = 50;
/// Pages read from disk at a time.
const CHUNK_PAGES: usize = 256;

/// The pages of one snapshot and where each is read from.
pub(crate) struct PageSnapshot {
    db: File,
    wal: Option<File>,
    page_size: usize,
    /// For page `p` (index `p - 1`), the WAL frame (1-based) holding its
    /// snapshot version; 0 for the main file's copy.
    frames: Vec<u32>,
    /// Frames taken from the WAL (0 when the main file had everything).
    pub wal_frames: u32,
}

/// A read transaction on the office connection, and its pages. The pages
/// stay valid only while the transaction is open, so they come together.
pub(crate) struct Held<'c> {
    pub tx: Transaction<'c>,
    pub pages: PageSnapshot,
}

/// Begin a read transaction on `conn` (the office's own connection, in
/// autocommit) and pin down its pages. Runs a best-effort checkpoint first,
/// so the WAL is usually empty of anything the main file lacks.
pub(crate) fn begin<'c>(conn: &'c Connection, db_path: &Path) -> Result<Held<'c>> {
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    let wal = mode.eq_ignore_ascii_case("wal");
    // SQLCipher answers `page_size` as text (its `cipher_page_size`).
    let page_size: rusqlite::types::Value = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let page_size = match page_size {
        rusqlite::types::Value::Integer(n) => usize::try_from(n).ok(),
        rusqlite::types::Value::Text(t) => t.trim().parse().ok(),
        _ => None,
    }
    .filter(|s| s.is_power_of_two() && (512..=65536).contains(s))
    .ok_or_else(|| Error::damaged("the office file has an impossible page size"))?;
    if wal {
        // PASSIVE: copy what no reader needs, never wait for anyone. A
        // busy checkpoint is no error: the WAL is read instead.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
    let io = |e| Error::io(format!("cannot read {}", db_path.display()), e);
    let db = File::open(db_path).map_err(io)?;
    let shm_path = suffixed(db_path, "-shm");
    for _ in 0..ATTEMPTS {
        let before = if wal { read_shm(&shm_path)? } else { None };
        let tx = conn.unchecked_transaction()?;
        // The first read is what starts the read transaction.
        tx.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
        if !wal {
            let len = db.metadata().map_err(io)?.len();
            let n = len.div_ceil(page_size as u64);
            return Ok(Held {
                tx,
                pages: PageSnapshot::main_file_only(db, page_size, n)?,
            });
        }
        let (Some(h1), Some(h2), Some(h3)) = (before, read_shm(&shm_path)?, read_shm(&shm_path)?)
        else {
            continue;
        };
        if h1.header != h2.header || h2 != h3 {
            continue;
        }
        let hdr = h1.header;
        if hdr.page_size() != page_size {
            return Err(Error::damaged(
                "the office file's page size is not its WAL's",
            ));
        }
        let n_pages = if hdr.n_page != 0 {
            u64::from(hdr.n_page)
        } else {
            db.metadata().map_err(io)?.len().div_ceil(page_size as u64)
        };
        if h2.backfill >= hdr.mx_frame {
            return Ok(Held {
                tx,
                pages: PageSnapshot::main_file_only(db, page_size, n_pages)?,
            });
        }
        let wal_path = suffixed(db_path, "-wal");
        let wal_file = File::open(&wal_path)
            .map_err(|e| Error::io(format!("cannot read {}", wal_path.display()), e))?;
        let frames = index_wal(&wal_file, &hdr, page_size, n_pages)?;
        return Ok(Held {
            tx,
            pages: PageSnapshot {
                db,
                wal: Some(wal_file),
                page_size,
                frames,
                wal_frames: hdr.mx_frame,
            },
        });
    }
    Err(Error::Conflict(
        "the office was too busy to take a backup snapshot; try again".into(),
    ))
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

impl PageSnapshot {
    fn main_file_only(db: File, page_size: usize, n_pages: u64) -> Result<PageSnapshot> {
        let n = usize::try_from(n_pages)
            .map_err(|_| Error::damaged("the office file is impossibly large"))?;
        Ok(PageSnapshot {
            db,
            wal: None,
            page_size,
            frames: vec![0; n],
            wal_frames: 0,
        })
    }

    /// Size of the snapshot in bytes.
    pub fn len(&self) -> u64 {
        self.frames.len() as u64 * self.page_size as u64
    }

    /// A reader of the whole snapshot from its first byte.
    pub fn reader(&self) -> PageReader<'_> {
        PageReader {
            snap: self,
            next_page: 0,
            buf: Vec::with_capacity(CHUNK_PAGES * self.page_size),
            pos: 0,
        }
    }

    /// Fill `buf` with pages `first..first + n` (0-based).
    fn read_pages(&self, first: usize, buf: &mut [u8]) -> std::io::Result<()> {
        let ps = self.page_size;
        let n = buf.len() / ps;
        let got = read_at_most(&self.db, buf, (first * ps) as u64)?;
        for (i, page) in buf.chunks_exact_mut(ps).enumerate().take(n) {
            match self.frames[first + i] {
                0 if (i + 1) * ps > got => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the office file is shorter than its snapshot",
                    ));
                }
                0 => {}
                f => {
                    let wal = self.wal.as_ref().expect("frames only with a WAL");
                    let at =
                        WAL_HEADER + (u64::from(f) - 1) * (FRAME_HEADER + ps as u64) + FRAME_HEADER;
                    read_exact_at(wal, page, at)?;
                }
            }
        }
        Ok(())
    }
}

/// Reads a [`PageSnapshot`] in order, a chunk of pages at a time.
pub(crate) struct PageReader<'a> {
    snap: &'a PageSnapshot,
    next_page: usize,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for PageReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            let left = self.snap.frames.len() - self.next_page;
            if left == 0 {
                return Ok(0);
            }
            let n = left.min(CHUNK_PAGES);
            self.buf.resize(n * self.snap.page_size, 0);
            self.snap.read_pages(self.next_page, &mut self.buf)?;
            self.next_page += n;
            self.pos = 0;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The WAL-index header (`WalIndexHdr`), in the `-shm` file in the
/// machine's byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IndexHeader {
    change: u32,
    big_end_cksum: bool,
    sz_page: u16,
    mx_frame: u32,
    n_page: u32,
    frame_cksum: [u32; 2],
    /// As in the WAL file's header (raw bytes).
    salt: [u8; 8],
}

impl IndexHeader {
    fn page_size(&self) -> usize {
        (usize::from(self.sz_page) & 0xfe00) + ((usize::from(self.sz_page) & 1) << 16)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ShmState {
    header: IndexHeader,
    backfill: u32,
}

/// The `-shm` file's header and `nBackfill`, or `None` while it is being
/// written or not set up (SQLite keeps two copies and a checksum for the
/// same reason).
fn read_shm(path: &Path) -> Result<Option<ShmState>> {
    let file =
        File::open(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let mut b = [0u8; SHM_READ];
    let got = read_at_most(&file, &mut b, 0)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    if got < SHM_READ || b[..48] != b[48..96] {
        return Ok(None);
    }
    let u = |i: usize| u32::from_ne_bytes(b[i..i + 4].try_into().expect("4 bytes"));
    let cksum = checksum(&b[..40], cfg!(target_endian = "big"), [0, 0]);
    if u(0) != WAL_VERSION || b[12] != 1 || cksum != [u(40), u(44)] {
        return Ok(None);
    }
    Ok(Some(ShmState {
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
    }))
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
fn index_wal(wal: &File, hdr: &IndexHeader, page_size: usize, n_pages: u64) -> Result<Vec<u32>> {
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
    let mut r = BufReader::with_capacity(1 << 20, wal);
    let mut head = [0u8; WAL_HEADER as usize];
    r.read_exact(&mut head).map_err(io)?;
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
    let mut frame = vec![0u8; FRAME_HEADER as usize + page_size];
    let mut commit = 0;
    for f in 1..=hdr.mx_frame {
        r.read_exact(&mut frame).map_err(io)?;
        let pgno = be(&frame);
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
    // The last frame is the snapshot's commit, as the header says.
    if sum != hdr.frame_cksum || commit != hdr.n_page {
        return Err(bad());
    }
    Ok(frames)
}

/// Read from `at` until `buf` is full or the file ends; how much was read.
fn read_at_most(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match read_at(file, &mut buf[got..], at + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    if read_at_most(file, buf, at)? < buf.len() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the office's write-ahead log is shorter than its index says",
        ));
    }
    Ok(())
}

/// A positioned read, so readers on two threads can share one `File`
/// (on Windows it moves the cursor, which no reader here relies on).
#[cfg(unix)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}
