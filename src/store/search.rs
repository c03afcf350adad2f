//! The registers: instant search, filters, sort and paging over persons.
//!
//! Text is matched in any script, in part, ignoring case, against case
//! number, name, father's or husband's name, alias and area:
//! - words of three or more characters go through the FTS5 trigram index
//!   (`person_search`), every word must match somewhere;
//! - a search of only one- or two-character words (the first keystrokes)
//!   cannot use trigrams, so it is one indexed lookup, listed in that
//!   index's order whatever the sort: digits are a serial number (`42`
//!   finds `CPC-2026-0042` and `WD-2025-0042`), `cp`/`wd` the programme's
//!   case numbers, anything else names that begin with it, alphabetically;
//! - short words typed after a long one narrow the trigram matches with a
//!   substring test on those rows only.
//!
//! Each call returns one page and the total, so a screen can scroll a
//! 100,000-row register without loading it. Counting every match of a
//! text search would read every match per keystroke, so those counts stop
//! at `COUNT_CAP` (`RegisterPage::exact` is false); counts without text
//! are exact. Figures: BENCHMARKS.md.

use chrono::NaiveDate;
use rusqlite::{Connection, ToSql, params_from_iter};

use crate::domain::person::RegisterRow;
use crate::domain::{CaseStatus, Centre, Concern, Programme, RiskLevel};
use crate::{Error, Result};

/// Columns the register can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortColumn {
    #[default]
    CaseNumber,
    Name,
    FatherName,
    Sex,
    Age,
    Programme,
    Status,
    Risk,
    Area,
    RegisteredOn,
}

impl SortColumn {
    pub const ALL: &'static [SortColumn] = &[
        SortColumn::CaseNumber,
        SortColumn::Name,
        SortColumn::FatherName,
        SortColumn::Sex,
        SortColumn::Age,
        SortColumn::Programme,
        SortColumn::Status,
        SortColumn::Risk,
        SortColumn::Area,
        SortColumn::RegisteredOn,
    ];

    /// The ORDER BY clause. Age ascending is birth date descending; risk
    /// sorts high, medium, low; case numbers sort by programme, then intake
    /// (id) order, which is the order they were issued in.
    fn order_by(self, descending: bool, one_programme: bool) -> String {
        let (col, flip) = match self {
            SortColumn::CaseNumber => ("p.programme", false),
            SortColumn::Name => ("lower(p.name)", false),
            SortColumn::FatherName => ("lower(p.father_name)", false),
            SortColumn::Sex => ("p.sex", false),
            SortColumn::Age => ("p.birth_date", true),
            SortColumn::Programme => ("p.programme", false),
            SortColumn::Status => (
                "CASE p.status WHEN 'registered' THEN 0 WHEN 'active' THEN 1 WHEN 'reopened' THEN 2 ELSE 3 END",
                false,
            ),
            SortColumn::Risk => (
                "CASE p.risk WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END",
                false,
            ),
            SortColumn::Area => ("p.area", false),
            SortColumn::RegisteredOn => ("p.registered_on", false),
        };
        let dir = if descending != flip { "DESC" } else { "ASC" };
        let id_dir = if descending { "DESC" } else { "ASC" };
        if self == SortColumn::CaseNumber && one_programme {
            return format!("p.id {id_dir}");
        }
        format!("{col} {dir}, p.id {id_dir}")
    }

    /// The index that yields rows in this order, for text searches with
    /// many matches: scanning it and stopping after one page beats sorting
    /// every match.
    fn index(self, one_programme: bool) -> Option<&'static str> {
        match self {
            SortColumn::CaseNumber if one_programme => None,
            SortColumn::CaseNumber | SortColumn::Programme => Some("persons_case_order"),
            SortColumn::Name => Some("persons_name_lower"),
            SortColumn::FatherName => Some("persons_father_lower"),
            SortColumn::Sex => Some("persons_sex"),
            SortColumn::Age => Some("persons_birth"),
            SortColumn::Status => Some("persons_status_order"),
            SortColumn::Risk => Some("persons_risk_order"),
            SortColumn::Area => Some("persons_area"),
            SortColumn::RegisteredOn => Some("persons_registered"),
        }
    }

    /// Whether this order is programme, then intake (id) order: the order
    /// the trigram index hands out its matches in, one programme at a time.
    fn is_intake_order(self) -> bool {
        matches!(self, SortColumn::CaseNumber | SortColumn::Programme)
    }
}

/// What the register screen asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterQuery {
    /// What was typed in the search box (may be empty).
    pub text: String,
    pub programme: Option<Programme>,
    pub status: Option<CaseStatus>,
    pub risk: Option<RiskLevel>,
    pub worker_id: Option<i64>,
    pub concern: Option<Concern>,
    pub centre: Option<Centre>,
    pub sort: SortColumn,
    pub descending: bool,
    /// Rows to skip and rows to return: one screen's page.
    pub offset: usize,
    pub limit: usize,
}

impl Default for RegisterQuery {
    fn default() -> Self {
        RegisterQuery {
            text: String::new(),
            programme: None,
            status: None,
            risk: None,
            worker_id: None,
            concern: None,
            centre: None,
            sort: SortColumn::default(),
            descending: false,
            offset: 0,
            limit: 100,
        }
    }
}

/// A text search counts its matches up to this many (counting further
/// would read every match on each keystroke: ~40–110 ms for a common name
/// or `CPC-202` at 125,000 persons); the screen shows "1000+".
pub const COUNT_CAP: usize = 1_000;

/// Above this many matches, a sorted page is read by walking the sort
/// column's index (it finds a page quickly when matches are dense).
const DENSE: usize = 2_000;

/// One page of the register and how many rows match in all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegisterPage {
    pub rows: Vec<RegisterRow>,
    /// How many rows match: exact when `exact`, else at least this many
    /// (show "1000+"; paging past it still works).
    pub total: usize,
    pub exact: bool,
}

/// An FTS5 string literal: the word in double quotes, quotes doubled, so
/// nothing typed is read as query syntax.
fn fts_phrase(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

/// LIKE pattern for a substring, with `\` as the escape character.
fn like_substring(word: &str) -> String {
    let mut s = String::with_capacity(word.len() + 2);
    s.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// The upper bound of a prefix range: every string starting with `prefix`
/// sorts below `prefix` followed by the highest code point.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Build the WHERE clause and its parameters.
/// What `where_clause` built: the clause, its parameters, and the FTS
/// query when the text is matched through the trigram index alone.
struct Where {
    clause: String,
    args: Vec<Box<dyn ToSql>>,
    /// Set when the search has text; `fts_only` when text is all there is;
    /// `fts_by_programme` when it is long words and at most a programme.
    text: bool,
    fts_only: Option<String>,
    fts_by_programme: Option<String>,
    /// LIKE patterns of the short words typed after long ones.
    short_like: Vec<String>,
    /// For a search of first keystrokes only: the order its index gives.
    short_order: Option<&'static str>,
}

fn where_clause(conn: &Connection, q: &RegisterQuery) -> Result<Where> {
    let mut sql: Vec<String> = Vec::new();
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let arg = |args: &mut Vec<Box<dyn ToSql>>, v: Box<dyn ToSql>| {
        args.push(v);
        format!("?{}", args.len())
    };
    // With search text, the text match drives the query; `+` keeps SQLite
    // from driving it with a filter's index instead.
    let plus = if q.text.trim().is_empty() { "" } else { "+" };
    if let Some(p) = q.programme {
        sql.push(format!(
            "{plus}p.programme = {}",
            arg(&mut args, Box::new(p))
        ));
    }
    if let Some(s) = q.status {
        sql.push(format!("{plus}p.status = {}", arg(&mut args, Box::new(s))));
    }
    if let Some(r) = q.risk {
        sql.push(format!("{plus}p.risk = {}", arg(&mut args, Box::new(r))));
    }
    if let Some(w) = q.worker_id {
        sql.push(format!(
            "{plus}p.worker_id = {}",
            arg(&mut args, Box::new(w))
        ));
    }
    if let Some(c) = q.centre {
        sql.push(format!("{plus}p.centre = {}", arg(&mut args, Box::new(c))));
    }
    let filtered = !sql.is_empty() || q.concern.is_some();
    let beyond_programme = q.status.is_some()
        || q.risk.is_some()
        || q.worker_id.is_some()
        || q.centre.is_some()
        || q.concern.is_some();
    if let Some(c) = q.concern {
        sql.push(format!(
            "EXISTS (SELECT 1 FROM person_concerns c WHERE c.person_id = p.id AND c.concern = {})",
            arg(&mut args, Box::new(c))
        ));
    }

    // Control characters never match anything stored; drop them.
    let text: String = q.text.chars().filter(|c| !c.is_control()).collect();
    let words: Vec<&str> = text.split_whitespace().collect();
    let (long, short): (Vec<&str>, Vec<&str>) = words.iter().partition(|w| w.chars().count() >= 3);
    let mut fts_only = None;
    let mut fts_by_programme = None;
    let mut short_like = Vec::new();
    let mut short_order = None;
    if !long.is_empty() {
        let fts: Vec<String> = long.iter().map(|w| fts_phrase(w)).collect();
        let fts = fts.join(" AND ");
        if !filtered && short.is_empty() {
            fts_only = Some(fts.clone());
        }
        if !beyond_programme {
            fts_by_programme = Some(fts.clone());
        }
        sql.push(format!(
            "p.id IN (SELECT rowid FROM person_search WHERE person_search MATCH {})",
            arg(&mut args, Box::new(fts))
        ));
        for w in &short {
            short_like.push(like_substring(w));
            let pat = arg(&mut args, Box::new(like_substring(w)));
            sql.push(format!(
                "(p.case_number LIKE {pat} ESCAPE '\\' OR p.name LIKE {pat} ESCAPE '\\'
                  OR p.father_name LIKE {pat} ESCAPE '\\' OR p.alias LIKE {pat} ESCAPE '\\'
                  OR p.area LIKE {pat} ESCAPE '\\')"
            ));
        }
    } else if let Some(first) = short.first() {
        // Only first keystrokes: one indexed lookup each, in its own order.
        if let Ok(n) = first.parse::<u32>() {
            // A serial number: every case number with it, in any year.
            let marks: Vec<String> = case_numbers_with_serial(conn, n)?
                .into_iter()
                .map(|c| arg(&mut args, Box::new(c)))
                .collect();
            sql.push(format!("p.case_number IN ({})", marks.join(", ")));
            short_order = Some("p.case_number");
        } else if Programme::ALL.iter().any(|p| {
            p.case_prefix()
                .to_lowercase()
                .starts_with(&first.to_lowercase())
        }) && first.chars().count() == 2
        {
            // "wd", "cp": case numbers of that programme.
            let upper = first.to_uppercase();
            let lo = arg(&mut args, Box::new(upper.clone()));
            let hi = arg(&mut args, Box::new(prefix_end(&upper)));
            sql.push(format!("p.case_number >= {lo} AND p.case_number < {hi}"));
            short_order = Some("p.case_number");
        } else {
            // Names beginning with the letters, alphabetically.
            let lower = first.to_lowercase();
            let lo = arg(&mut args, Box::new(lower.clone()));
            let hi = arg(&mut args, Box::new(prefix_end(&lower)));
            sql.push(format!("lower(p.name) >= {lo} AND lower(p.name) < {hi}"));
            short_order = Some("lower(p.name)");
        }
        for w in short.iter().skip(1) {
            let pat = arg(&mut args, Box::new(like_substring(w)));
            sql.push(format!(
                "(p.name LIKE {pat} ESCAPE '\\' OR p.father_name LIKE {pat} ESCAPE '\\')"
            ));
        }
    }
    let clause = if sql.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", sql.join(" AND "))
    };
    Ok(Where {
        clause,
        args,
        text: !words.is_empty(),
        fts_only,
        fts_by_programme,
        short_like,
        short_order,
    })
}

/// Every case number that has serial `n` in some programme and year.
fn case_numbers_with_serial(conn: &Connection, n: u32) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT programme, year FROM case_counters WHERE last >= ?1")?;
    let rows = stmt.query_map([n], |r| {
        Ok((r.get::<_, Programme>(0)?, r.get::<_, i32>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (p, year) = row?;
        out.push(format!("{}-{year}-{n:04}", p.case_prefix()));
    }
    Ok(out)
}

use super::persons::{REGISTER_COLUMNS as ROW_COLUMNS, register_row as row};

/// One page of the register for a query, with the total count. Reads only;
/// nothing is audited (opening a file is, with `persons::get_person`).
pub fn register(conn: &Connection, q: &RegisterQuery, today: NaiveDate) -> Result<RegisterPage> {
    let Where {
        clause,
        mut args,
        text,
        fts_only,
        fts_by_programme,
        short_like,
        short_order,
    } = where_clause(conn, q)?;
    let (total, exact) = if let Some(fts) = fts_only {
        // Text alone: the trigram index counts without reading rows, and
        // stops at the cap (it hands out matches in id order, lazily).
        let n: i64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT rowid FROM person_search
                  WHERE person_search MATCH ?1 LIMIT {})",
                COUNT_CAP + 1
            ))?
            .query_row([fts], |r| r.get(0))?;
        let n = n.max(0) as usize;
        (n.min(COUNT_CAP), n <= COUNT_CAP)
    } else if let Some(fts) = &fts_by_programme {
        // Text and a programme tab, or short words after long ones: the
        // trigram matches in id order, checked one by one up to the cap.
        let first = RegisterQuery {
            offset: 0,
            limit: COUNT_CAP + 1,
            descending: false,
            ..q.clone()
        };
        let n = intake_order_page(conn, &first, fts, &short_like)?.len();
        (n.min(COUNT_CAP), n <= COUNT_CAP)
    } else if text {
        let n: i64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 FROM persons p {clause} LIMIT {})",
                COUNT_CAP + 1
            ))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        let n = n.max(0) as usize;
        (n.min(COUNT_CAP), n <= COUNT_CAP)
    } else {
        let n: i64 = conn
            .prepare_cached(&format!("SELECT count(*) FROM persons p {clause}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        (n.max(0) as usize, true)
    };
    // A page in the second half of an exactly counted list is read from
    // the other end (OFFSET walks every row it skips: "jump to the end").
    // Every order ends in `p.id` the same way, so the reverse is exact.
    let flipped;
    let (q, reversed) = if exact && q.offset < total && q.offset > total / 2 {
        let end = (q.offset + q.limit).min(total);
        flipped = RegisterQuery {
            descending: !q.descending,
            offset: total - end,
            limit: end - q.offset,
            ..q.clone()
        };
        (&flipped, true)
    } else {
        (q, false)
    };
    let finish = |mut rows: Vec<RegisterRow>| {
        if reversed {
            rows.reverse();
        }
        RegisterPage { rows, total, exact }
    };
    // Case-number order (the default) with text and at most a programme:
    // take the trigram index's matches in id order, a programme at a time,
    // and stop after one page; nothing is matched in full.
    if let Some(fts) = fts_by_programme.filter(|_| q.sort.is_intake_order()) {
        let ids = intake_order_page(conn, q, &fts, &short_like)?;
        return Ok(finish(read_rows(conn, &ids, q, today)?));
    }
    // Many matches, sorted by an indexed column: walk that index and stop
    // after one page, rather than sort every match.
    let indexed = match q.sort.index(q.programme.is_some()) {
        Some(ix) if short_order.is_none() && (!exact || total > DENSE) => {
            format!("INDEXED BY {ix}")
        }
        _ => String::new(),
    };
    let limit_at = args.len() + 1;
    args.push(Box::new(q.limit as i64));
    args.push(Box::new(q.offset as i64));
    let order = match short_order {
        Some(col) => {
            let dir = if q.descending { "DESC" } else { "ASC" };
            format!("{col} {dir}, p.id {dir}")
        }
        None => q.sort.order_by(q.descending, q.programme.is_some()),
    };
    // Find the page's ids first (indexes only where possible), then read
    // just those rows.
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM persons p WHERE p.id IN (
            SELECT p.id FROM persons p {indexed} {clause} ORDER BY {order} LIMIT ?{} OFFSET ?{})
         ORDER BY {order}",
        limit_at,
        limit_at + 1
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| row(r, today))?;
    Ok(finish(
        rows.collect::<rusqlite::Result<_>>().map_err(Error::from)?,
    ))
}

/// The ids of one page in case-number order (programme, then id) for a
/// trigram query with at most a programme filter: each programme's matches
/// come from the trigram index in id order, checked against the
/// `persons_case_order` index, and reading stops once the page is full.
fn intake_order_page(
    conn: &Connection,
    q: &RegisterQuery,
    fts: &str,
    short_like: &[String],
) -> Result<Vec<i64>> {
    let mut programmes: Vec<Programme> = match q.programme {
        Some(p) => vec![p],
        None => {
            let mut all = Programme::ALL.to_vec();
            all.sort_by_key(|p| p.code());
            all
        }
    };
    if q.descending {
        programmes.reverse();
    }
    let dir = if q.descending { "DESC" } else { "ASC" };
    let mut matches = "f.person_search MATCH ?1 AND EXISTS (
        SELECT 1 FROM persons x INDEXED BY persons_case_order
         WHERE x.programme = ?2 AND x.id = f.rowid)"
        .to_string();
    // Short words typed after long ones: a substring test on the row.
    for i in 0..short_like.len() {
        let pat = format!("?{}", i + 5);
        matches.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM persons y WHERE y.id = f.rowid AND
                (y.case_number LIKE {pat} ESCAPE '\\' OR y.name LIKE {pat} ESCAPE '\\'
                 OR y.father_name LIKE {pat} ESCAPE '\\' OR y.alias LIKE {pat} ESCAPE '\\'
                 OR y.area LIKE {pat} ESCAPE '\\'))"
        ));
    }
    let mut page = conn.prepare_cached(&format!(
        "SELECT f.rowid FROM person_search f WHERE {matches}
          ORDER BY f.rowid {dir} LIMIT ?3 OFFSET ?4"
    ))?;
    let params = |p: Programme, limit: usize, offset: usize| {
        let mut v: Vec<Box<dyn ToSql>> = vec![
            Box::new(fts.to_string()),
            Box::new(p),
            Box::new(i64::try_from(limit).unwrap_or(i64::MAX)),
            Box::new(i64::try_from(offset).unwrap_or(i64::MAX)),
        ];
        v.extend(
            short_like
                .iter()
                .map(|s| Box::new(s.clone()) as Box<dyn ToSql>),
        );
        v
    };
    let mut ids = Vec::with_capacity(q.limit.min(COUNT_CAP + 1));
    let mut skip = q.offset;
    for p in programmes {
        let want = q.limit - ids.len();
        if want == 0 {
            break;
        }
        let got: Vec<i64> = page
            .query_map(params_from_iter(params(p, want, skip).iter()), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if got.is_empty() && skip > 0 {
            // The page starts past this programme: skip all of its matches.
            let n: i64 = conn
                .prepare_cached(&format!(
                    "SELECT count(*) FROM (SELECT f.rowid FROM person_search f WHERE {matches}
                      LIMIT ?3 OFFSET ?4)"
                ))?
                .query_row(params_from_iter(params(p, usize::MAX, 0).iter()), |r| {
                    r.get(0)
                })?;
            skip -= (n.max(0) as usize).min(skip);
        } else {
            skip = 0;
        }
        ids.extend(got);
    }
    Ok(ids)
}

/// The register rows for these ids, in the query's order.
fn read_rows(
    conn: &Connection,
    ids: &[i64],
    q: &RegisterQuery,
    today: NaiveDate,
) -> Result<Vec<RegisterRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let order = q.sort.order_by(q.descending, q.programme.is_some());
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM persons p
          WHERE p.id IN (SELECT value FROM json_each(?1)) ORDER BY {order}"
    ))?;
    let rows = stmt.query_map([format!("[{list}]")], |r| row(r, today))?;
    rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
}
