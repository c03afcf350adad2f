//! README "Getting your data back without casedesk": the documented steps
//! work with the standard `age` CLI and a SQLCipher 4 client (Python's
//! `sqlcipher3`). These tools are not part of the build: `.ci/run` installs
//! them, and on any machine without them the test fails, saying how to
//! install them (no test skips itself).

mod common;

use std::process::Command;

use common::*;

fn have(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn have_sqlcipher3() -> bool {
    Command::new("python3")
        .args(["-c", "import sqlcipher3"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_recovery_key_age_cli_and_a_sqlcipher_client_read_the_office() {
    assert!(
        have("age", "--version") && have_sqlcipher3(),
        "this test needs the `age` CLI (apt-get install age) and python3 with sqlcipher3 \
         (python3 -m pip install sqlcipher3-binary); .ci/run installs both"
    );
    let o = Office::empty();
    let out = o.run(
        &["init", "--office", "T", "--user", "boss"],
        "boss-pw river lantern\n",
    );
    assert!(out.status.success());
    let dir = o.dir.path();
    std::fs::write(dir.join("recovery.txt"), stdout(&out)).unwrap();
    {
        // A marker entry, to see the client reads the current data.
        let s = o.login("boss", "boss-pw river lantern");
        s.locked("test marker").unwrap();
    }

    // Step 1: take the recovery slot's sealed master key out of the key file.
    let keys: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&o.paths.keys).unwrap()).unwrap();
    let sealed = keys["recovery"]["master"].as_str().unwrap();
    std::fs::write(dir.join("master.age"), sealed).unwrap();

    // Step 2: `age -d -i recovery.txt master.age` prints the master key.
    let out = Command::new("age")
        .args(["-d", "-i", "recovery.txt", "master.age"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let master = String::from_utf8(out.stdout).unwrap();
    assert_eq!(master.trim().len(), 64);

    // Step 3: any SQLCipher 4 client opens the file with the raw key.
    let script = format!(
        "import sqlcipher3\nc = sqlcipher3.connect('office.casedesk')\n\
         c.execute(\"PRAGMA key = \\\"x'{}'\\\"\")\n\
         print(c.execute('SELECT name FROM users').fetchone()[0])\n\
         print(c.execute(\"SELECT count(*) FROM audit WHERE action = 'session.lock' AND detail = 'test marker'\").fetchone()[0])",
        master.trim()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "boss\n1\n");
}
