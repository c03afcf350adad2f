//! SHA-256 on a second thread. The thread that encrypts (export) or
//! decrypts (restore, verify) hands over full buffers and goes on, so a
//! backup costs about what age costs rather than age plus hashing.
//! (Export's read-back hashes on its own thread: the writer keeps the
//! other core busy; see `read::HashOn`.)

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

use super::manifest::Hashing;

/// Buffers in flight between the two threads.
const BUFFERS: usize = 4;
/// Size of each. Small: a passphrase backup's peak memory is age's scrypt
/// plus what is live beside it.
pub(crate) const BUFFER: usize = 256 << 10;

/// Why [`SideHasher::pump`] stopped.
#[derive(Debug)]
pub(crate) enum Pumped {
    /// Reading the source failed.
    Read(std::io::Error),
    /// The `also` step failed.
    Also(std::io::Error),
}

/// Hashes, and writes to its output, what it is handed, on a thread of a
/// `std::thread::scope`. Dropped without [`SideHasher::finish`], its thread
/// still ends (the scope waits for it).
pub(crate) struct SideHasher<'scope> {
    full: Option<SyncSender<Vec<u8>>>,
    empty: Receiver<Vec<u8>>,
    /// Buffers made so far, at most [`BUFFERS`].
    made: usize,
    thread: ScopedJoinHandle<'scope, std::io::Result<(String, u64)>>,
}

impl<'scope> SideHasher<'scope> {
    pub fn spawn<'env, W: Write + Send + 'scope>(s: &'scope Scope<'scope, 'env>, out: W) -> Self {
        let (full, full_rx) = sync_channel::<Vec<u8>>(BUFFERS);
        let (empty, empty_rx) = sync_channel::<Vec<u8>>(BUFFERS);
        let thread = s.spawn(move || {
            let mut hashing = Hashing::new(out);
            for buf in full_rx {
                hashing.write_all(&buf)?;
                // The other side may have stopped (an error); then the
                // buffer is just dropped.
                let _ = empty.try_send(buf);
            }
            let (_, sha, size) = hashing.finish();
            Ok((sha, size))
        });
        Self {
            full: Some(full),
            empty: empty_rx,
            made: 0,
            thread,
        }
    }

    /// A buffer of [`BUFFER`] bytes: a new one while fewer than
    /// [`BUFFERS`] exist, else one the thread is done with (its old bytes
    /// left in, so it is not cleared again). `None` once the thread has
    /// stopped (its error comes from `finish`).
    fn buffer(&mut self) -> Option<Vec<u8>> {
        let mut buf = if self.made < BUFFERS {
            self.made += 1;
            Vec::new()
        } else {
            self.empty.recv().ok()?
        };
        buf.resize(BUFFER, 0);
        Some(buf)
    }

    /// Read `src` to its end a buffer at a time; each full buffer goes to
    /// `also` (export: into the archive) and then to the thread, so the
    /// bytes are read once into memory and not copied again. Stops early,
    /// without an error, if the thread stopped (`finish` says why).
    pub fn pump(
        &mut self,
        src: &mut dyn Read,
        mut also: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), Pumped> {
        loop {
            let Some(mut buf) = self.buffer() else {
                return Ok(());
            };
            let mut n = 0;
            while n < buf.len() {
                match src.read(&mut buf[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Pumped::Read(e)),
                }
            }
            buf.truncate(n);
            if n == 0 {
                return Ok(());
            }
            also(&buf).map_err(Pumped::Also)?;
            let full = self.full.as_ref().is_some_and(|f| f.send(buf).is_ok());
            // A short buffer is the end of `src`.
            if !full || n < BUFFER {
                return Ok(());
            }
        }
    }

    /// Wait for the thread: the SHA-256 (lowercase hex) and size of
    /// everything handed over, or the output's write error.
    pub fn finish(mut self) -> std::io::Result<(String, u64)> {
        drop(self.full.take());
        self.thread
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the hashing thread failed")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Hands out at most `step` bytes per read, like tar or age.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.step).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn pumped_bytes_reach_also_and_the_thread_in_order() {
        for len in [0, 1, BUFFER, 3 * BUFFER + 12_345] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut out = Vec::new();
            let mut also = Vec::new();
            let (sha, size) = std::thread::scope(|s| {
                let mut side = SideHasher::spawn(s, &mut out);
                let mut src = Trickle {
                    data: &data,
                    step: 8191,
                };
                side.pump(&mut src, |chunk| {
                    also.extend_from_slice(chunk);
                    Ok(())
                })
                .unwrap();
                side.finish().unwrap()
            });
            assert_eq!(out, data, "{len}");
            assert_eq!(also, data, "{len}");
            assert_eq!(size, len as u64);
            assert_eq!(sha, hex::encode(Sha256::digest(&data)));
        }
    }

    #[test]
    fn a_failing_source_step_or_output_is_told_apart() {
        struct Failing(std::io::ErrorKind);
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(self.0.into())
            }
        }
        impl Write for Failing {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(self.0.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let data = vec![7u8; 3 * BUFFER];
        std::thread::scope(|s| {
            let mut side = SideHasher::spawn(s, std::io::sink());
            let e = side
                .pump(&mut Failing(std::io::ErrorKind::PermissionDenied), |_| {
                    Ok(())
                })
                .unwrap_err();
            assert!(
                matches!(e, Pumped::Read(e) if e.kind() == std::io::ErrorKind::PermissionDenied)
            );
            let e = side
                .pump(&mut data.as_slice(), |_| {
                    Err(std::io::ErrorKind::StorageFull.into())
                })
                .unwrap_err();
            assert!(matches!(e, Pumped::Also(e) if e.kind() == std::io::ErrorKind::StorageFull));
        });
        // The output failing stops the pump quietly; `finish` says why.
        let e = std::thread::scope(|s| {
            let mut side = SideHasher::spawn(s, Failing(std::io::ErrorKind::StorageFull));
            let big = vec![1u8; 40 * BUFFER];
            side.pump(&mut big.as_slice(), |_| Ok(())).unwrap();
            side.finish().unwrap_err()
        });
        assert_eq!(e.kind(), std::io::ErrorKind::StorageFull);
    }
}
