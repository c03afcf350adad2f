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
//! The pages are read once while the transaction is held, into the
//! archive; they are hashed on the way, and the backup's read-back check
//! compares what it decrypts with that hash.
//!
//! `raw_file` holds the connection's files as the VFS has them; `wal`
//! reads the WAL index header and checks WAL frames as SQLite does.

mod raw_file;
mod wal;

use std::io::Read;

use rusqlite::{Connection, Transaction, ffi};

use self::raw_file::{RawFile, no_method};
use self::wal::{FRAME_HEADER, IndexHeader, WAL_HEADER, index_wal, parse_shm};
use crate::{Error, Result};

/// How often to start again when someone commits at the very moment the
/// snapshot is taken (each try takes microseconds).
const ATTEMPTS: u32 = 50;
/// Pages read from disk at a time.
const CHUNK_PAGES: usize = 64;

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
