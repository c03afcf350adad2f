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
