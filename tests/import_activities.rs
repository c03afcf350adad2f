//! `casedesk import activities`: an office's activity log brought in
//! through the real binary on a real office file: the mapping, head counts
//! by sex and age band, each kind of bad row with its row number, all or
//! nothing, `--skip-invalid` and its rejects file, re-import adding
//! nothing, the audit entry, and the role check's exit code.

mod office_support;

use office_support::{Office, failed, ok, s};

const LOG: &str = "Date,Activity,Place,Staff,F <12,M 12-17,Boys under 12,Women,New children,Remarks\n\
03/03/2025,Spot visit,Baldia Plaza,staff,,14,3,,2,met at the bus stand\n\
04/03/2025,PCM,Sariab Road school,staff; manager,,,,12,,\n\
15/03/2025,Police station visit,City police station,manager,,1,,,,\n";

fn activities(o: &Office) -> i64 {
    o.count("SELECT count(*) FROM activities")
}

#[test]
fn an_activity_log_is_mapped_imported_audited_and_a_second_import_adds_nothing() {
    let o = Office::new();
    let file = o.file("activities.csv", LOG.as_bytes());
    let (out, _) = ok(&o.import(&["activities", "--from", s(&file), "--dry-run"]));
    for want in [
        "A   Date -> Date (by its header); day first",
        "B   Activity -> Activity (by its header)",
        "E   F <12 -> Female under 12 (by its header)",
        "F   M 12-17 -> Male 12–17 (by its header)",
        "H   Women -> Female 18+ (by its header)",
        "I   New children -> New children identified (by its header)",
        "J   Remarks -> Note (by its header)",
        "parents' committee meeting",
        "3 rows read: 3 ready to save, 0 already there, 0 with problems.",
        "Dry run: nothing was saved.",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert_eq!(activities(&o), 0, "a dry run saves nothing");

    let (_, err) = ok(&o.import(&["activities", "--from", s(&file)]));
    assert!(err.contains("Imported 3 activities from 3 rows"), "{err}");
    let rows = o.query(
        "SELECT kind, on_date, place, new_identified, note FROM activities ORDER BY on_date",
    );
    assert_eq!(
        rows[0],
        [
            "spot_visit",
            "2025-03-03",
            "Baldia Plaza",
            "2",
            "met at the bus stand"
        ]
    );
    assert_eq!(rows[1][0], "parents_meeting");
    // Head counts by sex and band; two staff on the meeting.
    assert_eq!(
        o.query(
            "SELECT c.sex, c.band, c.n FROM activity_counts c JOIN activities a ON a.id = c.activity_id
             WHERE a.kind = 'spot_visit' ORDER BY c.band"
        ),
        [["male", "12-17", "14"], ["male", "under12", "3"]]
    );
    assert_eq!(
        o.count(
            "SELECT count(*) FROM activity_staff s JOIN activities a ON a.id = s.activity_id
             WHERE a.kind = 'parents_meeting'"
        ),
        2
    );

    // Again: every activity is there (everything the same).
    let (out, err) = ok(&o.import(&["activities", "--from", s(&file)]));
    assert_eq!(activities(&o), 3);
    assert!(
        err.contains("Imported 0 activities from 3 rows; 3 left out as already there"),
        "{err}"
    );
    assert!(out.contains("row 2: the same as activity"), "{out}");

    // One audit entry per import, counts only.
    let audit = o.query("SELECT detail, target FROM audit WHERE action = 'import.activities'");
    assert_eq!(audit.len(), 2);
    assert_eq!(
        audit[0][0],
        "3 rows; 3 added; 0 already there; 0 unchanged; 0 rejected"
    );
    let everything = o.query("SELECT group_concat(detail || ' ' || target, ' ') FROM audit");
    assert!(
        !everything[0][0].contains("Baldia"),
        "no places in the audit"
    );
}

const BAD: &str = "Date,Activity,Place,Staff,Women\n\
03/03/2025,Spot visit,Baldia Plaza,staff,3\n\
31/02/2025,Spot visit,Baldia Plaza,staff,3\n\
05/03/2025,Picnic,Hanna Lake,staff,3\n\
06/03/2025,Spot visit,Kuchlak,nobody,3\n\
07/03/2025,Spot visit,Kuchlak,staff,many\n\
08/03/2025,Spot visit,Kuchlak,staff,3\n\
08/03/2025,spot visit,KUCHLAK,staff,4\n";

#[test]
fn bad_rows_are_listed_with_row_numbers_and_nothing_is_saved() {
    let o = Office::new();
    let file = o.file("log.csv", BAD.as_bytes());
    let out = o.import(&["activities", "--from", s(&file)]);
    let (stdout, err) = failed(&out, 1);
    for want in [
        "row 3: Date: there is no such date as 31/02/2025",
        "row 4: Activity: 'Picnic' is not a kind of activity; use one of: spot_visit,",
        "row 5: Staff: 'nobody' is not an account",
        "row 6: Female 18+: 'many' is not a whole number of people",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
    assert!(
        err.contains("4 of 7 rows have problems; nothing was saved"),
        "{err}"
    );
    assert_eq!(activities(&o), 0, "all or nothing");
    assert!(!file.with_file_name("log.csv.rejects.csv").exists());
}

#[test]
fn skip_invalid_saves_the_rest_and_writes_the_rejects_beside_the_input() {
    let o = Office::new();
    let file = o.file("log.csv", BAD.as_bytes());
    let (_, err) = ok(&o.import(&["activities", "--from", s(&file), "--skip-invalid"]));
    // Rows 7 and 8 differ in their head count: two activities.
    assert!(err.contains("Imported 3 activities from 7 rows"), "{err}");
    assert!(!err.contains("left out"), "{err}");
    assert_eq!(activities(&o), 3);
    let rejects = file.with_file_name("log.csv.rejects.csv");
    let text = std::fs::read_to_string(&rejects).expect("rejects file");
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("Date,Activity,Place,Staff,Women,reason"));
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.len(), 4, "{text}");
    assert!(rest[0].starts_with("31/02/2025,"), "{text}");
    assert!(rest[1].contains("is not a kind of activity"), "{text}");
    // A second run refuses to overwrite the rejects it wrote.
    let (_, err) = failed(
        &o.import(&["activities", "--from", s(&file), "--skip-invalid"]),
        1,
    );
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(activities(&o), 3);
}

#[test]
fn a_mapping_file_names_columns_and_gives_the_staff_for_every_row() {
    let o = Office::new();
    let file = o.file(
        "visits.csv",
        "Din,Kaam,Jagah,Larkay\n03/03/2025,MLU,Civil Hospital,2\n".as_bytes(),
    );
    let map = o.file(
        "visits.toml",
        b"[columns]\non_date = \"Din\"\nkind = \"Kaam\"\nplace = \"Jagah\"\nmale_unknown = \"Larkay\"\n[defaults]\nstaff = \"staff\"\n",
    );
    let (out, _) = ok(&o.import(&[
        "activities",
        "--from",
        s(&file),
        "--map",
        s(&map),
        "--dry-run",
    ]));
    assert!(
        out.contains("Staff: staff (from the mapping file)"),
        "{out}"
    );
    assert!(
        out.contains("Larkay -> Male, age unknown (from the mapping file)"),
        "{out}"
    );
    let (_, err) = ok(&o.import(&["activities", "--from", s(&file), "--map", s(&map)]));
    assert!(err.contains("Imported 1 activity"), "{err}");
    assert_eq!(
        o.query("SELECT kind FROM activities"),
        [["mlu_visit".to_string()]]
    );
    // Without the staff, the file cannot be read at all.
    let none = o.file(
        "none.toml",
        b"[columns]\non_date = \"Din\"\nkind = \"Kaam\"\nplace = \"Jagah\"\n",
    );
    let (_, err) = failed(
        &o.import(&["activities", "--from", s(&file), "--map", s(&none)]),
        1,
    );
    assert!(err.contains("looks like the staff"), "{err}");
}

#[test]
fn only_a_manager_may_import_activities() {
    let o = Office::new();
    let file = o.file("activities.csv", LOG.as_bytes());
    let (_, err) = failed(
        &o.run("staff", &["import", "activities", "--from", s(&file)]),
        3,
    );
    assert!(err.contains("only a manager may import"), "{err}");
    assert_eq!(activities(&o), 0);
}
