//! A panic never prints its message (which could hold a name or a note):
//! only a generic sentence and the place in the source.

use std::process::Command;

const SECRET: &str = "Zarmina Quokkabibi";

#[test]
fn a_panic_prints_no_personal_data() {
    if std::env::var_os("CASEDESK_PANIC_CHILD").is_some() {
        casedesk::logging::install_panic_hook(|| {});
        let name = SECRET.to_string();
        panic!("could not save {name}");
    }
    // Run this same test in a child process, where it panics.
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "a_panic_prints_no_personal_data",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CASEDESK_PANIC_CHILD", "1")
        .output()
        .expect("run child");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "the child panicked");
    assert!(all.contains("internal error"), "{all}");
    assert!(
        all.contains("panic_message.rs"),
        "the place is named: {all}"
    );
    assert!(!all.contains("Zarmina"), "no personal data: {all}");
}
