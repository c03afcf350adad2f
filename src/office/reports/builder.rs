//! Turning a period's rows into an indicator's figures, for the period
//! and the previous one at once: distinct people in cells, groups by a
//! key (programme, concern, service, …), events beside.

use std::collections::HashMap;

use super::rows::Raw;
use crate::domain::reports::{Demographics, Figures, Indicator};

pub(super) struct Builder {
    pub(super) demo: Demographics,
    pub(super) cur: Raw,
    pub(super) prev: Raw,
}

impl Builder {
    /// An indicator's figures for both periods.
    pub(super) fn both(&self, f: impl Fn(&Raw, &Demographics) -> Figures) -> (Figures, Figures) {
        (f(&self.cur, &self.demo), f(&self.prev, &self.demo))
    }

    /// Distinct people from a list of ids (with repeats), with the
    /// number of rows as events.
    pub(super) fn people(
        &self,
        ids: impl Fn(&Raw) -> Vec<i64>,
        events: bool,
    ) -> (Figures, Figures) {
        self.both(|r, d| {
            let ids = ids(r);
            let n = ids.len() as i64;
            let f = d.people(ids, r.period.to);
            if events { f.with_events(n) } else { f }
        })
    }

    /// Person ids grouped by a key (programme, concern, service, …), per
    /// period, in one pass each instead of one per key.
    pub(super) fn grouped<K: std::hash::Hash + Eq>(
        &self,
        pairs: impl Fn(&Raw) -> Vec<(K, i64)>,
    ) -> Groups<K> {
        let group = |r: &Raw| {
            let mut g: HashMap<K, Vec<i64>> = HashMap::new();
            for (k, id) in pairs(r) {
                g.entry(k).or_default().push(id);
            }
            g
        };
        (group(&self.cur), group(&self.prev))
    }

    /// One group's figures (the number of rows as events if asked).
    pub(super) fn group<K: std::hash::Hash + Eq>(
        &self,
        g: &Groups<K>,
        key: &K,
        events: bool,
    ) -> (Figures, Figures) {
        let fig = |ids: Option<&Vec<i64>>, r: &Raw| {
            let ids = ids.map_or(&[][..], |v| v.as_slice());
            let f = self.demo.people(ids.iter().copied(), r.period.to);
            if events {
                f.with_events(ids.len() as i64)
            } else {
                f
            }
        };
        (fig(g.0.get(key), &self.cur), fig(g.1.get(key), &self.prev))
    }
}

/// Person ids by key, for the period and the previous one.
pub(super) type Groups<K> = (HashMap<K, Vec<i64>>, HashMap<K, Vec<i64>>);

pub(super) fn people(
    key: impl Into<String>,
    label: impl Into<String>,
    figs: (Figures, Figures),
) -> Indicator {
    Indicator::people(key, label).figures(figs.0, figs.1)
}

pub(super) fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
