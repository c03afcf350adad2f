//! The "Classes, literacy and skills" section: class participants and
//! attendance rates (by kind of class), literacy tests, skill courses.

use super::builder::{Builder, people};
use super::rows::Raw;
use crate::domain::classes::ClassKind;
use crate::domain::reports::{Demographics, Figures, Measure, Section};

pub(super) fn section(b: &Builder) -> Section {
    let held = |r: &Raw, kind: Option<ClassKind>| -> i64 {
        r.attendance
            .sessions
            .iter()
            .filter(|s| kind.is_none_or(|k| s.0 == k))
            .map(|s| s.1)
            .sum()
    };
    let attended = |r: &Raw, kind: Option<ClassKind>| -> Vec<i64> {
        r.attendance
            .per_person
            .iter()
            .filter(|a| kind.is_none_or(|k| a.0 == k) && a.2 > 0)
            .map(|a| a.1)
            .collect()
    };
    let mut v = vec![
        people(
            "classes",
            "Class participants",
            b.both(|r, d| {
                d.people(attended(r, None), r.period.to)
                    .with_events(held(r, None))
            }),
        )
        .events("sessions")
        .say(
            "{n} person took part in classes, in {e} sessions",
            "{n} people took part in classes, in {e} sessions",
        ),
    ];
    for k in ClassKind::ALL {
        v.push(
            people(
                format!("classes.{}", k.code()),
                format!("Class participants by kind: {}", k.label()),
                b.both(|r, d| {
                    d.people(attended(r, Some(*k)), r.period.to)
                        .with_events(held(r, Some(*k)))
                }),
            )
            .events("sessions")
            .breakdown(),
        );
    }
    let rate = |r: &Raw, d: &Demographics, kind: Option<ClassKind>| -> Figures {
        d.rate(
            r.attendance
                .per_person
                .iter()
                .filter(|a| kind.is_none_or(|k| a.0 == k))
                .map(|a| (a.1, a.2, a.3)),
            r.period.to,
        )
    };
    v.push(
        people(
            "attendance",
            "Attendance rate",
            b.both(|r, d| rate(r, d, None)),
        )
        .measure(Measure::Rate)
        .say(
            "attendance in classes was {n}",
            "attendance in classes was {n}",
        ),
    );
    for k in ClassKind::ALL {
        v.push(
            people(
                format!("attendance.{}", k.code()),
                format!("Attendance rate by kind: {}", k.label()),
                b.both(|r, d| rate(r, d, Some(*k))),
            )
            .measure(Measure::Rate)
            .breakdown(),
        );
    }
    v.push(
        people(
            "literacy.tested",
            "People given a monthly literacy test",
            b.people(|r| r.literacy.iter().map(|l| l.0).collect(), false),
        )
        .say(
            "{n} person was given a monthly literacy test",
            "{n} people were given a monthly literacy test",
        ),
    );
    v.push(
        people(
            "literacy.improved",
            "Improved in their literacy test",
            b.people(
                |r| r.literacy.iter().filter(|l| l.1).map(|l| l.0).collect(),
                false,
            ),
        )
        .say(
            "{n} person improved in their literacy test",
            "{n} people improved in their literacy test",
        ),
    );
    v.push(
        people(
            "skills.completed",
            "Completed a skill course",
            b.people(|r| r.skills.clone(), true),
        )
        .events("courses")
        .say(
            "{n} person completed a skill course",
            "{n} people completed a skill course",
        ),
    );
    Section {
        key: "classes",
        title: "Classes, literacy and skills",
        indicators: v,
    }
}
