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
//! # Why through SQLite's own file handles
//!
//! Everything is read through the office connection's own open files
//! (`SQLITE_FCNTL_FILE_POINTER` and `_JOURNAL_POINTER`, then the VFS's
//! `xRead`; the `-shm` header through `xShmMap`, the mapping SQLite already
//! has), never by opening the files again: on Unix, closing *any* file
//! descriptor of a file drops every POSIX lock this process holds on it,
//! so opening and closing the office file or its `-shm` ourselves would
//! silently release the very read lock that keeps the snapshot still (and
//! the locks of every other connection in this process). These handles
//! belong to the connection, so the reads run on the thread using it.
//!
//! The pages are read twice while the transaction is held (once to hash
//! them for the manifest, which leads the archive, and once into the
//! archive); both reads give the same bytes, and the backup's read-back
//! check compares the archive with that hash once more.

use std::ffi::{c_int, c_void};
use std::io::Read;
use std::marker::PhantomData;

use rusqlite::{Connection, Transaction, ffi};

use crate::{Error, Result};

/// `WalIndexHdr.iVersion` and the WAL header's format version.
const WAL_VERSION: u32 = 3_007_000;
/// The WAL file's magic number; bit 0 says big-endian checksums.
const WAL_MAGIC: u32 = 0x377f_0682;
const WAL_HEADER: u64 = 32;
const FRAME_HEADER: u64 = 24;
/// Two copies of the 48-byte WAL-index header, then `nBackfill`.
const SHM_READ: usize = 100;
/// SQLite maps the WAL index in regions of this size (`WALINDEX_PGSZ`).
const SHM_REGION: c_int = 32 * 1024;
/// How often to start again when someone commits at the very moment the
/// snapshot is taken (each try takes microseconds).
const ATTEMPTS: u32 = 50;
/// Pages read from disk at a time.
const CHUNK_PAGES: usize = 64;
/// The most one VFS read asks for (the unix VFS reads at most 128 KiB).
const MAX_READ: usize = 64 * 1024;

/// One of the connection's open files, as SQLite's VFS has it.
struct RawFile<'c> {
    file: *mut ffi::sqlite3_file,
    _conn: PhantomData<&'c Connection>,
}

impl<'c> RawFile<'c> {
    /// The main database file (`SQLITE_FCNTL_FILE_POINTER`) or the WAL
    /// (`SQLITE_FCNTL_JOURNAL_POINTER`) of `conn`.
    fn of(conn: &'c Connection, op: c_int) -> Result<RawFile<'c>> {
        let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
        // SAFETY: the handle is valid while `conn` lives; both file
        // controls write one pointer to the connection's `sqlite3_file`.
        let rc = unsafe {
            ffi::sqlite3_file_control(
                conn.handle(),
                c"main".as_ptr(),
                op,
                (&raw mut file).cast::<c_void>(),
            )
        };
        // SAFETY: a non-null pointer from SQLite is a live `sqlite3_file`.
        if rc != ffi::SQLITE_OK || file.is_null() || unsafe { (*file).pMethods.is_null() } {
            return Err(Error::Database(
                "cannot reach the office file through SQLite for a backup".into(),
            ));
        }
        Ok(RawFile {
            file,
            _conn: PhantomData,
        })
    }

    fn methods(&self) -> &ffi::sqlite3_io_methods {
        // SAFETY: checked non-null in `of`; the methods table is static.
        unsafe { &*(*self.file).pMethods }
    }

    fn size(&self) -> std::io::Result<u64> {
        let mut size: ffi::sqlite3_int64 = 0;
        let x_file_size = self.methods().xFileSize.ok_or_else(no_method)?;
        // SAFETY: a live file and a valid out pointer.
        let rc = unsafe { x_file_size(self.file, &raw mut size) };
        if rc != ffi::SQLITE_OK {
            return Err(std::io::Error::other("cannot read the office file's size"));
        }
        Ok(size.max(0) as u64)
    }

    /// Read exactly `buf.len()` bytes at `at`.
    fn read_exact_at(&self, buf: &mut [u8], at: u64) -> std::io::Result<()> {
        let x_read = self.methods().xRead.ok_or_else(no_method)?;
        for (i, part) in buf.chunks_mut(MAX_READ).enumerate() {
            let offset = at + (i * MAX_READ) as u64;
            // SAFETY: a live file; `part` is writable for its length,
            // which fits a c_int (at most MAX_READ).
            let rc = unsafe {
                x_read(
                    self.file,
                    part.as_mut_ptr().cast::<c_void>(),
                    part.len() as c_int,
                    offset as ffi::sqlite3_int64,
                )
            };
            match rc {
                ffi::SQLITE_OK => {}
                ffi::SQLITE_IOERR_SHORT_READ => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the office file is shorter than its snapshot",
                    ));
                }
                _ => return Err(std::io::Error::other("cannot read the office file")),
            }
        }
        Ok(())
    }

    /// The start of the WAL index in the `-shm` mapping SQLite already has
    /// (copied byte by byte: other processes may be writing it).
    fn shm_start(&self) -> Option<[u8; SHM_READ]> {
        let methods = self.methods();
        if methods.iVersion < 2 {
            return None;
        }
        let x_shm_map = methods.xShmMap?;
        let mut region: *mut c_void = std::ptr::null_mut();
        // SAFETY: a live file in WAL mode; region 0 is mapped already (the
        // connection is in a read transaction), so nothing is extended.
        let rc = unsafe { x_shm_map(self.file, 0, SHM_REGION, 0, &raw mut region) };
        if rc != ffi::SQLITE_OK || region.is_null() {
            return None;
        }
        let mut out = [0u8; SHM_READ];
        let base = region.cast::<u8>();
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: the region is SHM_REGION bytes long; volatile because
            // other processes change it under us.
            *b = unsafe { std::ptr::read_volatile(base.add(i)) };
        }
        Some(out)
    }
}

fn no_method() -> std::io::Error {
    std::io::Error::other("SQLite's file layer lacks a needed method")
}

/// The pages of one snapshot and where each is read from.
pub(crate) struct PageSnapshot<'c> {
    db: RawFile<'c>,
    wal: Option<RawFile<'c>>,
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
    pub pages: PageSnapshot<'c>,
    /// The WAL index's header as the transaction began (None outside WAL
    /// mode): what [`join`] compares another connection's view with.
    header: Option<IndexHeader>,
}

/// Which snapshot a [`Held`] holds, to hand to another thread for [`join`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark(Option<IndexHeader>);

impl Held<'_> {
    pub fn mark(&self) -> Mark {
        Mark(self.header)
    }
}

/// Begin a read transaction on `conn` (the office's own connection, in
/// autocommit) and pin down its pages. Runs a best-effort checkpoint first,
/// so the WAL usually holds nothing the main file lacks.
pub(crate) fn begin(conn: &Connection) -> Result<Held<'_>> {
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
    let io = |e| Error::io("cannot read the office file", e);
    let db = RawFile::of(conn, ffi::SQLITE_FCNTL_FILE_POINTER)?;
    let shm = || {
        if wal {
            db.shm_start().and_then(|b| parse_shm(&b))
        } else {
            None
        }
    };
    for _ in 0..ATTEMPTS {
        let before = shm();
        let tx = conn.unchecked_transaction()?;
        // The first read is what starts the read transaction.
        tx.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
        if !wal {
            let n = db.size().map_err(io)?.div_ceil(page_size as u64);
            return Ok(Held {
                tx,
                pages: PageSnapshot::main_file_only(db, page_size, n)?,
                header: None,
            });
        }
        let (Some(h1), Some(h2), Some(h3)) = (before, shm(), shm()) else {
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
            db.size().map_err(io)?.div_ceil(page_size as u64)
        };
        if h2.backfill >= hdr.mx_frame {
            return Ok(Held {
                tx,
                pages: PageSnapshot::main_file_only(db, page_size, n_pages)?,
                header: Some(hdr),
            });
        }
        let wal_file = RawFile::of(conn, ffi::SQLITE_FCNTL_JOURNAL_POINTER)?;
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
            header: Some(hdr),
        });
    }
    Err(Error::Conflict(
        "the office was too busy to take a backup snapshot; try again".into(),
    ))
}

/// Begin a read transaction on `other` (a second connection to the same
/// office, e.g. on another thread) that sees exactly the snapshot of the
/// [`Held`] that gave `mark`, or `None` when that cannot be had: another
/// terminal committed since it began, or the office is not in WAL mode.
///
/// Why this holds: `other`'s transaction sees the office as it was at its
/// first read, some time after `held` began; the WAL index's header, read
/// after that first read, changes with every commit (frame count, change
/// counter, checksum) and every restart of the log (salts). If it still
/// equals `held`'s header, nothing was committed from `held`'s start until
/// after `other`'s snapshot was taken, so the two see the same office.
pub(crate) fn join(mark: Mark, other: &Connection) -> Result<Option<Transaction<'_>>> {
    let Some(want) = mark.0 else {
        return Ok(None);
    };
    let tx = other.unchecked_transaction()?;
    tx.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    let file = RawFile::of(other, ffi::SQLITE_FCNTL_FILE_POINTER)?;
    let now = file.shm_start().and_then(|b| parse_shm(&b));
    Ok(now.filter(|s| s.header == want).map(|_| tx))
}

impl<'c> PageSnapshot<'c> {
    fn main_file_only(db: RawFile<'c>, page_size: usize, n_pages: u64) -> Result<Self> {
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
    pub fn reader(&self) -> PageReader<'_, 'c> {
        PageReader {
            snap: self,
            next_page: 0,
            buf: Vec::with_capacity(CHUNK_PAGES * self.page_size),
            pos: 0,
        }
    }

    /// Fill `buf` with the pages from `first` (0-based) on: runs of pages
    /// the main file holds in one read each, the others from the WAL.
    fn read_pages(&self, first: usize, buf: &mut [u8]) -> std::io::Result<()> {
        let ps = self.page_size;
        let n = buf.len() / ps;
        let mut i = 0;
        while i < n {
            let frame = self.frames[first + i];
            if frame != 0 {
                let wal = self.wal.as_ref().ok_or_else(no_method)?;
                let at =
                    WAL_HEADER + (u64::from(frame) - 1) * (FRAME_HEADER + ps as u64) + FRAME_HEADER;
                wal.read_exact_at(&mut buf[i * ps..(i + 1) * ps], at)?;
                i += 1;
                continue;
            }
            let run = self.frames[first + i..first + n]
                .iter()
                .take_while(|f| **f == 0)
                .count();
            self.db
                .read_exact_at(&mut buf[i * ps..(i + run) * ps], ((first + i) * ps) as u64)?;
            i += run;
        }
        Ok(())
    }
}

/// Reads a [`PageSnapshot`] in order, a chunk of pages at a time.
pub(crate) struct PageReader<'s, 'c> {
    snap: &'s PageSnapshot<'c>,
    next_page: usize,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for PageReader<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let ps = self.snap.page_size;
        if self.pos == self.buf.len() && out.len() >= ps {
            // Whole pages straight into the caller's buffer: one copy less.
            let n = (out.len() / ps).min(self.snap.frames.len() - self.next_page);
            self.snap.read_pages(self.next_page, &mut out[..n * ps])?;
            self.next_page += n;
            return Ok(n * ps);
        }
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

/// The WAL-index header and `nBackfill` from the start of the `-shm`
/// mapping, or `None` while it is being written or not set up (SQLite
/// keeps two copies and a checksum for the same reason).
fn parse_shm(b: &[u8; SHM_READ]) -> Option<ShmState> {
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
fn index_wal(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MasterKey;

    fn rows(conn: &Connection) -> i64 {
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("count")
    }

    #[test]
    fn a_second_connection_joins_the_snapshot_only_while_nothing_is_committed() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("o.casedesk");
        let key = MasterKey::generate();
        let office = crate::store::create(&path, &key).expect("create");
        office
            .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .expect("table");
        let other = crate::store::open(&path, &key).expect("other");
        let writer = crate::store::open(&path, &key).expect("writer");

        let held = begin(&office).expect("snapshot");
        let mark = held.mark();
        // A checkpoint changes no data: still the same snapshot.
        writer
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .expect("checkpoint");
        {
            let tx = join(mark, &other)
                .expect("join")
                .expect("the same snapshot");
            assert_eq!(rows(&tx), 1);
        }
        // A commit after the snapshot: the other connection would see it.
        writer
            .execute("INSERT INTO t VALUES (2)", [])
            .expect("write");
        assert!(join(mark, &other).expect("join").is_none());
        assert_eq!(rows(&other), 2);
        assert_eq!(rows(&held.tx), 1);
    }
}
