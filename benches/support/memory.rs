//! This process's memory, from Linux's `/proc/self` (shared by the
//! benches that report a peak RSS).

/// A `/proc/self/status` field in KiB (e.g. `VmHWM:`, the peak RSS).
pub fn status_kib(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Reset this process's peak RSS to its current RSS (`clear_refs` 5), so
/// the next `VmHWM` is one figure's own peak.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
