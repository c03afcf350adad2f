//! Comparing a counselling note's chain with what the audit trail says
//! about it (`office::counselling`): the check that catches a note rolled
//! back by someone with the master key, and the grouping it walks.

use crate::domain::counselling::SessionId;
use crate::store::counselling::{AuditedNote, StoredVersion};
use crate::vault::pins;

/// Does the note's chain disagree with the audit trail's? Every amendment's
/// entry records the version it made and the note head: a latest version
/// older than that (a later one deleted and an earlier head written back,
/// which the MACs alone cannot show) or another head for the same version
/// is a note that was rolled back. After a rotation the heads were re-signed,
/// so only the version is compared.
pub(super) fn audit_disagrees(
    latest: i64,
    head: Option<&str>,
    audited: Option<&AuditedNote>,
) -> bool {
    let Some(a) = audited else {
        return false;
    };
    if latest < a.version {
        return true;
    }
    latest == a.version
        && !a.rotated_since
        && a.head
            .as_deref()
            .is_some_and(|h| !head.is_some_and(|now| pins::mac_ok_hex(h, now)))
}

/// Stored versions grouped by session, in order.
pub(super) fn by_session(versions: &[StoredVersion]) -> Vec<(SessionId, &[StoredVersion])> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=versions.len() {
        if i == versions.len() || versions[i].1 != versions[start].1 {
            if start < i {
                out.push((versions[start].1, &versions[start..i]));
            }
            start = i;
        }
    }
    out
}
