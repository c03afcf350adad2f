//! Hostile backups on the reading side: a real backup's tar stream with
//! bytes changed, cut short or padded, its manifest's fields replaced,
//! archives crafted with paths that climb out (`../`, absolute), links and
//! odd entry types, and arbitrary bytes in or instead of the age layer.
//! `verify` and `restore` must return an error (or a correct office),
//! never panic, and never create a file outside the restore target, nor
//! leave one behind on failure. Case counts: `properties_support`.

mod common;
mod properties_support;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use age::x25519::Identity;
use casedesk::backup::{self, DataKey, Encryption, Unlock};
use casedesk::paths::OfficePaths;
use properties_support::config;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

/// A small office's real backup, decrypted: the tar's three files.
struct Original {
    identity: Identity,
    files: Vec<(String, Vec<u8>)>,
    tar: Vec<u8>,
}

fn original(o: &common::Office) -> Original {
    let identity = Identity::generate();
    let mut session = o.login("boss", "boss-pw river lantern");
    let out = o.dir.path().join("real.age");
    session
        .export_backup(
            &out,
            &Encryption::Recipients(vec![identity.to_public()]),
            &mut backup::no_progress(),
        )
        .expect("export");
    let dec = age::Decryptor::new_buffered(std::io::BufReader::new(
        std::fs::File::open(&out).expect("open"),
    ))
    .expect("age");
    let mut tar = Vec::new();
    dec.decrypt(std::iter::once(&identity as &dyn age::Identity))
        .expect("decrypt")
        .read_to_end(&mut tar)
        .expect("read");
    let mut files = Vec::new();
    let mut archive = tar::Archive::new(tar.as_slice());
    for e in archive.entries().expect("entries") {
        let mut e = e.expect("entry");
        let mut b = Vec::new();
        e.read_to_end(&mut b).expect("bytes");
        files.push((e.path().expect("path").to_string_lossy().into_owned(), b));
    }
    std::fs::remove_file(&out).expect("rm");
    Original {
        identity,
        files,
        tar,
    }
}

fn encrypt(to: &Identity, plain: &[u8]) -> Vec<u8> {
    let r = to.to_public();
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
        .expect("recipients");
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).expect("wrap");
    w.write_all(plain).expect("write");
    w.finish().expect("finish");
    out
}

/// An entry of a crafted archive.
#[derive(Debug, Clone)]
enum Entry {
    File(String, Vec<u8>),
    Dir(String),
    Symlink(String, String),
    HardLink(String, String),
}

fn path_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("manifest.json".to_string()),
        Just("office.casedesk".to_string()),
        Just("office.casedesk.keys".to_string()),
        Just("../escaped-marker".to_string()),
        Just("../../escaped-marker".to_string()),
        Just("/tmp/escaped-marker-abs".to_string()),
        Just("sub/../../escaped-marker".to_string()),
        Just("./office.casedesk".to_string()),
        "[a-z./]{1,12}",
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        3 => (path_text(), prop::collection::vec(any::<u8>(), 0..64))
            .prop_map(|(p, b)| Entry::File(p, b)),
        1 => path_text().prop_map(Entry::Dir),
        1 => (path_text(), path_text()).prop_map(|(a, b)| Entry::Symlink(a, b)),
        1 => (path_text(), path_text()).prop_map(|(a, b)| Entry::HardLink(a, b)),
    ]
}

/// Write a tar by hand (the `tar` builder refuses `..`, as it should; an
/// attacker's archive would not).
fn crafted_tar(entries: &[Entry], real: &Original, keep_real_first: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut push = |name: &str, kind: tar::EntryType, link: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        let bytes = name.as_bytes();
        let n = bytes.len().min(99);
        h.as_old_mut().name[..n].copy_from_slice(&bytes[..n]);
        let l = link.as_bytes();
        let m = l.len().min(99);
        h.as_old_mut().linkname[..m].copy_from_slice(&l[..m]);
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    };
    if keep_real_first {
        let (name, data) = &real.files[0];
        push(name, tar::EntryType::Regular, "", data);
    }
    for e in entries {
        match e {
            Entry::File(p, b) => push(p, tar::EntryType::Regular, "", b),
            Entry::Dir(p) => push(p, tar::EntryType::Directory, "", &[]),
            Entry::Symlink(p, t) => push(p, tar::EntryType::Symlink, t, &[]),
            Entry::HardLink(p, t) => push(p, tar::EntryType::Link, t, &[]),
        }
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// The manifest with one field replaced by an odd JSON value.
fn doctored_manifest(real: &Original, field: usize, value: &serde_json::Value) -> Vec<u8> {
    let mut m: serde_json::Value = serde_json::from_slice(&real.files[0].1).expect("json");
    let obj = m.as_object_mut().expect("object");
    let keys: Vec<String> = obj.keys().cloned().collect();
    let key = &keys[field % keys.len()];
    if key == "files" && field.is_multiple_of(3) {
        // Reach inside: a file entry's size, name or hash.
        if let Some(f) = obj["files"].as_array_mut().and_then(|a| a.first_mut()) {
            let inner = ["size", "name", "sha256"][(field / 3) % 3];
            f[inner] = value.clone();
        }
    } else {
        obj.insert(key.clone(), value.clone());
    }
    serde_json::to_vec(&m).expect("json")
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        Just(json!(null)),
        Just(json!(-1)),
        Just(json!(u64::MAX)),
        Just(json!(1.5e300)),
        Just(json!("../escaped-marker")),
        Just(json!("\u{1b}]0;x\u{7}")),
        Just(json!([])),
        Just(json!({})),
        Just(json!([{"name": "../escaped-marker", "size": 3, "sha256": "00"}])),
        any::<i64>().prop_map(|n| json!(n)),
        "\\PC{0,20}".prop_map(|s| json!(s)),
    ]
}

fn with_manifest(real: &Original, manifest: Vec<u8>) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (i, (name, data)) in real.files.iter().enumerate() {
        let data = if i == 0 { &manifest } else { data };
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        b.append_data(&mut h, name, data.as_slice())
            .expect("append");
    }
    b.into_inner().expect("tar")
}

/// How a case damages the backup.
#[derive(Debug, Clone)]
enum Damage {
    Flip(Vec<(prop::sample::Index, u8)>),
    Cut(prop::sample::Index),
    Pad(Vec<u8>),
    Crafted(Vec<Entry>, bool),
    Manifest(usize, serde_json::Value),
    RawFile(Vec<u8>),
    AgeFlip(Vec<(prop::sample::Index, u8)>),
}

fn damage() -> impl Strategy<Value = Damage> {
    let flips = || prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8);
    prop_oneof![
        2 => flips().prop_map(Damage::Flip),
        1 => any::<prop::sample::Index>().prop_map(Damage::Cut),
        1 => prop::collection::vec(any::<u8>(), 1..2048).prop_map(Damage::Pad),
        2 => (prop::collection::vec(entry(), 0..5), any::<bool>())
            .prop_map(|(e, k)| Damage::Crafted(e, k)),
        2 => (0usize..64, json_value()).prop_map(|(f, v)| Damage::Manifest(f, v)),
        1 => prop_oneof![
            prop::collection::vec(any::<u8>(), 0..512),
            prop::collection::vec(any::<u8>(), 0..256)
                .prop_map(|b| [b"age-encryption.org/v1\n".as_slice(), &b, b"\n--- x\n"].concat()),
            Just(b"-----BEGIN AGE ENCRYPTED FILE-----\n".to_vec()),
        ].prop_map(Damage::RawFile),
        1 => flips().prop_map(Damage::AgeFlip),
    ]
}

fn backup_bytes(real: &Original, d: &Damage) -> Vec<u8> {
    let plain = match d {
        Damage::Flip(flips) => {
            let mut t = real.tar.clone();
            for (at, b) in flips {
                let i = at.index(t.len());
                t[i] = *b;
            }
            t
        }
        Damage::Cut(at) => real.tar[..at.index(real.tar.len())].to_vec(),
        Damage::Pad(extra) => [real.tar.as_slice(), extra].concat(),
        Damage::Crafted(entries, keep) => crafted_tar(entries, real, *keep),
        Damage::Manifest(field, value) => {
            with_manifest(real, doctored_manifest(real, *field, value))
        }
        Damage::RawFile(bytes) => return bytes.clone(),
        Damage::AgeFlip(flips) => {
            let mut enc = encrypt(&real.identity, &real.tar);
            for (at, b) in flips {
                let i = at.index(enc.len());
                enc[i] = *b;
            }
            return enc;
        }
    };
    encrypt(&real.identity, &plain)
}

/// Every path under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = common::walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).expect("under").to_path_buf())
        .collect();
    out.sort();
    out
}

#[test]
fn damaged_backups_are_refused_and_leave_nothing_behind() {
    let o = common::Office::new();
    let real = original(&o);
    // The sandbox: only `work/` may change, and only `work/restored/`
    // may receive files.
    let sandbox = tempfile::tempdir().expect("sandbox");
    let work = sandbox.path().join("work");
    std::fs::create_dir(&work).expect("work");
    let file = work.join("backup.age");
    let unlock = Unlock::Identities(vec![Box::new(real.identity.clone())]);
    let mut runner = TestRunner::new(config(64));
    runner
        .run(&damage(), |d| {
            std::fs::write(&file, backup_bytes(&real, &d)).expect("write");
            let before = tree(sandbox.path());
            let verified =
                backup::verify(&file, &unlock, DataKey::None, &mut backup::no_progress());
            prop_assert_eq!(&tree(sandbox.path()), &before, "verify wrote files");
            let to = OfficePaths::new(work.join("restored").join("office.casedesk"));
            let restored = backup::restore(&file, &to, &unlock, &mut backup::no_progress());
            let after = tree(sandbox.path());
            match &restored {
                Ok(_) => {
                    // Only the office's own files, inside the target.
                    for p in after.iter().filter(|p| !before.contains(p)) {
                        prop_assert!(p.starts_with("work/restored"), "{:?} outside the target", p);
                    }
                    prop_assert!(verified.is_ok());
                }
                Err(e) => {
                    prop_assert_eq!(&after, &before, "a failed restore left files: {}", e);
                    prop_assert!(!e.to_string().contains('\u{1b}'), "{:?}", e.to_string());
                }
            }
            prop_assert!(!Path::new("/tmp/escaped-marker-abs").exists());
            let _ = std::fs::remove_dir_all(work.join("restored"));
            Ok(())
        })
        .unwrap();
    // The undamaged backup still restores: the harness is not refusing everything.
    std::fs::write(&file, encrypt(&real.identity, &real.tar)).expect("write");
    let to = OfficePaths::new(work.join("ok").join("office.casedesk"));
    backup::restore(&file, &to, &unlock, &mut backup::no_progress()).expect("restore");
}
