//! Importing a large register: 100,000 rows generated into a temporary CSV
//! file, read, checked (every row against the office's duplicate check)
//! and saved in one transaction; then the same file again, when every row
//! is found already there (the duplicate check's worst case).
//!
//!     cargo bench --bench import            # 100,000 rows
//!     BENCH_ROWS=20000 cargo bench --bench import
//!     BENCH_ROWS=300000 BENCH_AGAIN=0 cargo bench --bench import   # first import only
//!
//! A plain timing harness, like the office bench: one import of 100,000
//! rows is a single long operation a manager waits for, measured once
//! (criterion's repeated sampling would take hours and add nothing).
//! Peak memory is the process's VmHWM from /proc/self/status.

use std::fmt::Write as _;
use std::time::Instant;

use age::secrecy::SecretString;
use casedesk::office::import::{ImportKind, ImportOptions};
use casedesk::office::{self, OfficePaths};

const FIRST: [&str; 50] = [
    "Ali",
    "Ahmed",
    "Bilal",
    "Hamza",
    "Usman",
    "Umar",
    "Zain",
    "Saad",
    "Fahad",
    "Imran",
    "Kamran",
    "Naveed",
    "Asif",
    "Tariq",
    "Shahid",
    "Waqas",
    "Junaid",
    "Adnan",
    "Faisal",
    "Irfan",
    "Rizwan",
    "Sajid",
    "Yasir",
    "Zahid",
    "Noman",
    "Sana",
    "Ayesha",
    "Fatima",
    "Zainab",
    "Maryam",
    "Hira",
    "Rabia",
    "Saima",
    "Nadia",
    "Amina",
    "Khadija",
    "Bushra",
    "Sadia",
    "Iqra",
    "Mehwish",
    // Urdu-script names that are not spellings of the ones above (name keys
    // would make "علی Khan" the same person as "Ali Khan").
    "محمد",
    "عبداللہ",
    "یوسف",
    "ابراہیم",
    "اسماعیل",
    "حلیمہ",
    "صفیہ",
    "رقیہ",
    "سمیعہ",
    "کلثوم",
];
const LAST: [&str; 40] = [
    "Khan",
    "Baloch",
    "Kakar",
    "Achakzai",
    "Mengal",
    "Raisani",
    "Bugti",
    "Marri",
    "Hazara",
    "Durrani",
    "Tareen",
    "Mandokhail",
    "Jamali",
    "Lehri",
    "Rind",
    "Zehri",
    "Shahwani",
    "Bangulzai",
    "Langove",
    "Sumalani",
    "Kurd",
    "Notezai",
    "Magsi",
    "Jatoi",
    "Lashari",
    "Qureshi",
    "Siddiqui",
    "Abbasi",
    "Awan",
    "Butt",
    "Malik",
    "Sheikh",
    "Chaudhry",
    "Rana",
    "Mirza",
    "Baig",
    "Hashmi",
    "Jafri",
    "Naqvi",
    "Rizvi",
];
const FATHER: [&str; 50] = [
    "Abdul Ghafoor",
    "Abdul Karim",
    "Abdul Rahim",
    "Ghulam Rasool",
    "Ghulam Nabi",
    "Noor Ahmed",
    "Gul Khan",
    "Sher Ali",
    "Akbar",
    "Qadir",
    "Rahim",
    "Javed",
    "Pervez",
    "Yousaf",
    "Younas",
    "Ismail",
    "Ibrahim",
    "Ishaq",
    "Yaqoob",
    "Sulaiman",
    "Dawood",
    "Musa",
    "Haroon",
    "Idrees",
    "Nazir",
    "Bashir",
    "Nasir",
    "Zafar",
    "Anwar",
    "Iqbal",
    "Latif",
    "Hafeez",
    "Majeed",
    "Hameed",
    "Rasheed",
    "Saeed",
    "Waheed",
    "Khalid",
    "Sultan",
    "Jamil",
    "Aslam",
    "Akram",
    "Azam",
    "Mumtaz",
    "Riaz",
    "Ejaz",
    "Fayyaz",
    "Niaz",
    "Shafiq",
    "Rafiq",
];
const AREA: [&str; 8] = [
    "Sariab",
    "Satellite Town",
    "Kuchlak",
    "Pashtunabad",
    "Hazara Town",
    "Brewery Road",
    "Nawa Killi",
    "Jinnah Town",
];

/// The register: every (name, father) pair different, as in a real one;
/// ages, dates and areas spread over what the CPC sees.
fn register_csv(rows: usize) -> String {
    let mut out = String::with_capacity(rows * 96);
    out.push_str("S.No,Child Name,Father Name,Age,Sex,Date of Registration,Area,Phone\n");
    for i in 0..rows {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / FIRST.len()) % LAST.len()];
        let father = FATHER[(i / (FIRST.len() * LAST.len())) % FATHER.len()];
        let sex = if (25..40).contains(&(i % FIRST.len())) || i % FIRST.len() >= 45 {
            "F"
        } else {
            "M"
        };
        let age = 5 + (i * 7) % 15;
        let day = 1 + (i * 13) % 28;
        let month = 1 + (i / 7) % 12;
        let _ = writeln!(
            out,
            "{},{first} {last},{father} {last},{age},{sex},{day:02}/{month:02}/2025,{},03{:09}",
            i + 1,
            AREA[i % AREA.len()],
            (i * 7919) % 1_000_000_000
        );
    }
    out
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let rows: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // Logins are not what is measured here.
    casedesk::vault::crypto::pin_work_factor(10);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = OfficePaths::new(dir.path().join("bench.casedesk"));
    let pw = SecretString::from("kite river lantern 7".to_string());
    let (mut session, _) =
        office::create_office(&paths, "Bench office", "manager", &pw).expect("office");
    let csv = dir.path().join("register.csv");
    std::fs::write(&csv, register_csv(rows)).expect("write csv");
    let size = std::fs::metadata(&csv).map_or(0, |m| m.len());
    println!(
        "input: {rows} rows, {:.1} MiB of CSV; peak RSS before importing {:.0} MiB",
        size as f64 / (1024.0 * 1024.0),
        peak_rss_mib()
    );
    let opts = ImportOptions {
        programme: Some(casedesk::domain::Programme::Cpc),
        ..Default::default()
    };

    let t = Instant::now();
    let preview = session
        .preview_import(ImportKind::People, &csv, &opts)
        .expect("preview");
    let preview_s = t.elapsed().as_secs_f64();
    let preview_peak = peak_rss_mib();
    assert_eq!(preview.invalid_rows, 0, "{:?}", preview.problems.first());
    let summary = session.import(&preview).expect("import");
    let total_s = t.elapsed().as_secs_f64();
    assert_eq!(summary.added, rows);
    println!(
        "import {rows} rows into an empty office: {total_s:.2} s (read + check {preview_s:.2} s, peak RSS {preview_peak:.0} MiB; save {:.2} s); peak RSS {:.0} MiB",
        total_s - preview_s,
        peak_rss_mib()
    );
    drop(preview);
    if std::env::var("BENCH_AGAIN").is_ok_and(|v| v == "0") {
        return;
    }

    let t = Instant::now();
    let again = session
        .import_file(ImportKind::People, &csv, &opts)
        .expect("again");
    assert_eq!((again.added, again.duplicates), (0, rows));
    println!(
        "the same file again (every row already there): {:.2} s; peak RSS {:.0} MiB",
        t.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
}
