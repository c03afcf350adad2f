//! Hostile and huge files at the import (issue 26), through the real
//! binary on real office files in temp dirs: long cells are cut in
//! messages, and bombs (a zip bomb XLSX, ODS rows and cells "repeated"
//! a million times, a CSV header of millions of columns, a 5 MB cell) are
//! refused with a plain message naming the limit, in bounded memory
//! (the child process's peak, VmHWM from /proc).

mod office_support;
use office_support::{Office, failed, s};

/// A cell long enough to flood a terminal, but under the cell limit.
fn long_cell(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

#[test]
fn long_cells_are_cut_in_messages_and_not_doubled_in_the_rejects_file() {
    let o = Office::new();
    let sex = long_cell('q', 30_000);
    let header = long_cell('h', 20_000);
    let csv = format!(
        "Name,Father Name,Age,Sex,Date of Registration,Programme,{header}\n\
         Ali Raza,Akbar Khan,12,{sex},23/04/2025,CPC,x\n\
         Sana Bibi,Gul Khan,9,F,05/06/2025,CPC,y\n"
    );
    let file = o.file("long.csv", csv.as_bytes());
    let (out, err) = failed(&o.import(&["people", "--from", s(&file), "--dry-run"]), 1);
    let cut = format!("Sex: '{}… (30,000 characters)'", long_cell('q', 80));
    assert!(out.contains(&cut), "{}", &out[..out.len().min(2000)]);
    assert!(
        out.contains(&format!("{}… (20,000 characters)", long_cell('h', 80))),
        "the header, cut"
    );
    assert!(
        out.len() + err.len() < 8_000,
        "{} bytes echoed",
        out.len() + err.len()
    );

    // The rejects file holds the row's cells once, and a short reason.
    let (_, err) = office_support::ok(&o.import(&["people", "--from", s(&file), "--skip-invalid"]));
    assert!(err.len() < 2_000, "{err}");
    let rejects = std::fs::read(o.dir.path().join("long.csv.rejects.csv")).expect("rejects");
    assert!(
        rejects.len() < sex.len() + header.len() + 2_000,
        "{} bytes: a cell doubled",
        rejects.len()
    );
    let text = String::from_utf8(rejects).expect("utf-8");
    assert_eq!(text.matches(&sex).count(), 1);
    assert!(text.contains(&cut), "the reason, cut");
}

// ---- Bombs, refused in bounded memory ----

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The most a refused (or harmless) bomb may take, the process whole
/// (a login and an import of a small file take about 20 MB; before the
/// limits these files took 1.2 to 2.1 GB).
const PEAK_BOUND_KB: u64 = 100 * 1024;

/// Run `casedesk import …` as the manager and watch its peak memory
/// (VmHWM in /proc/<pid>/status) until it exits.
fn import_measured(o: &Office, args: &[&str]) -> (Output, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_casedesk"))
        .arg("--db")
        .arg(&o.paths.db)
        .args(["--user", "manager", "import"])
        .args(args)
        .env("CASEDESK_SCRYPT_LOG_N", "10")
        .env("CASEDESK_DATA_DIR", o.dir.path())
        .env("HOME", o.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let status_file = format!("/proc/{}/status", child.id());
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{}", office_support::PW).expect("password");
    drop(stdin);
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            r.read_to_end(&mut v).expect("read");
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let mut peak = 0u64;
    let status = loop {
        // Gone once the process has exited: the last reading stands.
        let kb = std::fs::read_to_string(&status_file).ok().and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        });
        peak = peak.max(kb.unwrap_or(0));
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    let output = Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    };
    assert!(peak > 0, "the peak was read");
    eprintln!("{args:?}: peak {} MB", peak / 1024);
    (output, peak)
}

/// Refused: exit 1, one `error:` line naming the limit, nothing saved, in
/// bounded memory.
#[track_caller]
fn refused(o: &Office, file: &Path, limit: &str) {
    let (out, peak) = import_measured(o, &["people", "--from", s(file)]);
    let (_, err) = failed(&out, 1);
    assert!(err.contains(limit), "{limit:?} not in {err}");
    assert!(err.contains("nothing was read"), "{err}");
    assert!(err.len() < 600, "a short message: {err}");
    assert!(
        peak < PEAK_BOUND_KB,
        "peak {} MB for {}",
        peak / 1024,
        file.display()
    );
    assert_eq!(o.persons(), 0);
}

const SHEET_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";

/// A real workbook (rust_xlsxwriter) whose sheet is replaced by `rows`
/// copies of `row`, deflated: a few MB on disk, `rows × row` unpacked.
fn xlsx_bomb(dir: &Path, name: &str, row: &str, rows: usize) -> PathBuf {
    let base = dir.join("base.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Name").expect("cell");
    book.save(&base).expect("save");
    let mut source = zip::ZipArchive::new(std::fs::File::open(&base).expect("open")).expect("zip");
    let path = dir.join(name);
    let mut out = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
    for i in 0..source.len() {
        let entry = source.by_index(i).expect("entry");
        if entry.name().expect("name") == "xl/worksheets/sheet1.xml" {
            continue;
        }
        out.raw_copy_file(entry).expect("copy");
    }
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    out.start_file("xl/worksheets/sheet1.xml", options)
        .expect("start");
    out.write_all(SHEET_HEAD.as_bytes()).expect("head");
    let chunk = row.repeat(16 * 1024 * 1024 / row.len());
    let per_chunk = 16 * 1024 * 1024 / row.len();
    for _ in 0..rows / per_chunk {
        out.write_all(chunk.as_bytes()).expect("rows");
    }
    out.write_all(b"</sheetData></worksheet>").expect("tail");
    out.finish().expect("finish");
    path
}

/// An `.ods` of one sheet whose table holds `table` (rows as XML).
fn ods(dir: &Path, name: &str, table: &str) -> PathBuf {
    let path = dir.join(name);
    let mut out = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    out.start_file("mimetype", stored).expect("mimetype");
    out.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .expect("mimetype");
    out.start_file("META-INF/manifest.xml", stored)
        .expect("manifest");
    out.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
</manifest:manifest>",
    )
    .expect("manifest");
    out.start_file(
        "content.xml",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .expect("content");
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\">\
<office:body><office:spreadsheet><table:table table:name=\"Register\">\
<table:table-column table:number-columns-repeated=\"16384\"/>{table}</table:table>\
</office:spreadsheet></office:body></office:document-content>"
    )
    .expect("content");
    out.finish().expect("finish");
    path
}

fn text_cell(t: &str) -> String {
    format!(
        "<table:table-cell office:value-type=\"string\"><text:p>{t}</text:p></table:table-cell>"
    )
}

/// The header row and one good child, as an .ods table.
fn ods_register() -> String {
    let head: String = [
        "Name",
        "Father Name",
        "Sex",
        "Date of Registration",
        "Programme",
    ]
    .iter()
    .map(|h| text_cell(h))
    .collect();
    let child: String = ["Ali Raza", "Akbar Khan", "M", "23/04/2025", "CPC"]
        .iter()
        .map(|h| text_cell(h))
        .collect::<String>()
        + "<table:table-cell office:value-type=\"float\" office:value=\"12\"><text:p>12</text:p></table:table-cell>";
    format!(
        "<table:table-row>{head}{}</table:table-row><table:table-row>{child}</table:table-row>",
        text_cell("Age")
    )
}

#[test]
fn a_zip_bomb_xlsx_is_refused_by_its_declared_and_its_inflated_size() {
    let o = Office::new();
    // 1 GiB of rows once inflated (a few MB on disk); each row a cell.
    let row = "<row><c t=\"inlineStr\"><is><t>Ali Raza Akbar Khan</t></is></c></row>";
    let bomb = xlsx_bomb(o.dir.path(), "bomb.xlsx", row, (1 << 30) / row.len());
    let size = std::fs::metadata(&bomb).expect("size").len();
    assert!(size < 5_000_000, "{size} bytes");
    refused(&o, &bomb, "more than 200 MB of data (unpacked)");

    // The same bomb whose zip says its sheet is 1,000 bytes: what is
    // inflated is counted, so the lie changes nothing.
    let mut bytes = std::fs::read(&bomb).expect("read");
    let name = b"xl/worksheets/sheet1.xml";
    let mut lied = 0;
    for at in 0..bytes.len() - 4 {
        let sig = &bytes[at..at + 4];
        // Local header: size at 22, name at 30; central entry: size at
        // 24, name at 46 (zip64 extra fields keep the real sizes; a
        // 0xFFFFFFFF size points at them, so lie there too).
        let (size_at, name_at) = match sig {
            b"PK\x03\x04" => (22, 30),
            b"PK\x01\x02" => (24, 46),
            _ => continue,
        };
        if bytes.get(at + name_at..at + name_at + name.len()) == Some(&name[..]) {
            bytes[at + size_at..at + size_at + 4].copy_from_slice(&1000u32.to_le_bytes());
            lied += 1;
        }
    }
    assert!(lied >= 1, "the sizes were found");
    let liar = o.file("liar.xlsx", &bytes);
    let (out, peak) = import_measured(&o, &["people", "--from", s(&liar)]);
    let (_, err) = failed(&out, 1);
    assert!(
        err.contains("more than 200 MB") || err.contains("cannot be read"),
        "{err}"
    );
    assert!(peak < PEAK_BOUND_KB, "peak {} MB", peak / 1024);
    assert_eq!(o.persons(), 0);
}

#[test]
fn ods_repeated_rows_and_cells_are_refused_or_never_made() {
    let o = Office::new();
    let dir = o.dir.path();
    // A row of data "repeated 1,048,575 times": refused before it is made.
    let rows = ods(
        dir,
        "rows.ods",
        &format!(
            "{}<table:table-row table:number-rows-repeated=\"1048575\">{}</table:table-row>",
            ods_register(),
            text_cell("Sana")
        ),
    );
    assert!(std::fs::metadata(&rows).expect("size").len() < 2_000);
    refused(&o, &rows, "more than 1,000,000 rows");

    // A cell of data repeated across 16,384 columns.
    let cells = ods(
        dir,
        "cells.ods",
        &format!(
            "{}<table:table-row><table:table-cell table:number-columns-repeated=\"16384\" \
             office:value-type=\"string\"><text:p>x</text:p></table:table-cell></table:table-row>",
            ods_register()
        ),
    );
    refused(&o, &cells, "more than 500 columns (in row 3)");

    // Empty cells "repeated" a billion times before one with data.
    let far = ods(
        dir,
        "far.ods",
        &format!(
            "{}<table:table-row><table:table-cell table:number-columns-repeated=\"1000000000\"/>{}\
             </table:table-row>",
            ods_register(),
            text_cell("x")
        ),
    );
    refused(&o, &far, "more than 500 columns");

    // Empty rows and cells repeated to the sheet's end, as LibreOffice
    // writes them: never made; the one child is imported.
    let tail = ods(
        dir,
        "tail.ods",
        &format!(
            "{}<table:table-row table:number-rows-repeated=\"1048574\">\
             <table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>",
            ods_register()
        ),
    );
    let (out, peak) = import_measured(&o, &["people", "--from", s(&tail)]);
    let (_, err) = office_support::ok(&out);
    assert!(err.contains("Imported 1 person"), "{err}");
    assert!(peak < PEAK_BOUND_KB, "peak {} MB", peak / 1024);
    assert_eq!(o.query("SELECT name FROM persons"), [["Ali Raza"]]);
}

#[test]
fn a_csv_header_of_millions_of_columns_and_a_5_mb_cell_are_refused() {
    let o = Office::new();
    // 5.2 million columns in one 25 MB header line.
    let mut wide = String::with_capacity(26_000_000);
    for i in 0..5_200_000 {
        if i > 0 {
            wide.push(',');
        }
        wide.push_str(&format!("c{i}"));
    }
    wide.push_str("\nAli,Akbar\n");
    let file = o.file("wide.csv", wide.as_bytes());
    drop(wide);
    refused(&o, &file, "more than 500 columns (in row 1)");

    // A 5 MB cell: refused naming the limit, never echoed.
    let cell = "A".repeat(5 * 1024 * 1024);
    let csv = format!("Name,Father Name,Age,Sex,Programme\n{cell},Akbar,12,M,CPC\n");
    let file = o.file("cell.csv", csv.as_bytes());
    refused(&o, &file, "row 2, column A) of more than 32,767 characters");
}
