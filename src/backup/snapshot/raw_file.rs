//! One of a connection's open files, read through SQLite's VFS (see the
//! parent module for why never by opening the file again).

use std::ffi::{c_int, c_void};
use std::marker::PhantomData;

use rusqlite::{Connection, ffi};

use crate::{Error, Result};

/// Two copies of the 48-byte WAL-index header, then `nBackfill`.
pub(super) const SHM_READ: usize = 100;
/// SQLite maps the WAL index in regions of this size (`WALINDEX_PGSZ`).
const SHM_REGION: c_int = 32 * 1024;
/// The most one VFS read asks for (the unix VFS reads at most 128 KiB).
const MAX_READ: usize = 64 * 1024;

/// One of the connection's open files, as SQLite's VFS has it.
pub(super) struct RawFile<'c> {
    file: *mut ffi::sqlite3_file,
    _conn: PhantomData<&'c Connection>,
}

impl<'c> RawFile<'c> {
    /// The main database file (`SQLITE_FCNTL_FILE_POINTER`) or the WAL
    /// (`SQLITE_FCNTL_JOURNAL_POINTER`) of `conn`.
    pub(super) fn of(conn: &'c Connection, op: c_int) -> Result<RawFile<'c>> {
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

    pub(super) fn size(&self) -> std::io::Result<u64> {
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
    pub(super) fn read_exact_at(&self, buf: &mut [u8], at: u64) -> std::io::Result<()> {
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
    pub(super) fn shm_start(&self) -> Option<[u8; SHM_READ]> {
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

pub(super) fn no_method() -> std::io::Error {
    std::io::Error::other("SQLite's file layer lacks a needed method")
}
