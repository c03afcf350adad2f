//! The `casedesk` command: everything lives in the library.

fn main() {
    std::process::exit(casedesk::cli::main());
}
