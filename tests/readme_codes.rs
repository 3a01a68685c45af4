//! The README's Troubleshooting table is generated from `echo_wasm::error::CODES`, the table
//! the code itself uses, so the two cannot drift. Regenerate with
//! `UPDATE_README=1 cargo test --test readme_codes`.
#![cfg(not(target_arch = "wasm32"))]

use echo_wasm::error::CODES;

const START: &str = "<!-- troubleshooting:start (generated from src/error.rs by tests/readme_codes.rs) -->";
const END: &str = "<!-- troubleshooting:end -->";

fn generated() -> String {
    let mut out = String::from("| code | what happened | what to do |\n| --- | --- | --- |\n");
    for info in CODES {
        let cell = |s: &str| s.replace('|', "\\|");
        out.push_str(&format!("| `{}` | {} | {} |\n", info.code, cell(info.cause), cell(info.remedy)));
    }
    out
}

#[test]
fn readme_troubleshooting_matches_the_code_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let start = readme.find(START).expect("README has the troubleshooting start marker") + START.len();
    let end = readme.find(END).expect("README has the troubleshooting end marker");
    let current = readme[start..end].trim();
    let expected = generated();
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}\n{}\n{}", &readme[..start], expected.trim(), &readme[end..]);
        std::fs::write(path, updated).expect("write README.md");
        return;
    }
    assert_eq!(current, expected.trim(), "README's Troubleshooting table is stale: run UPDATE_README=1 cargo test --test readme_codes");
}

/// `pkg/errors.js` raises `wasm_load_failed` when there is no wasm to build the error: its code,
/// cause and remedy are the Rust table's row (so the README's), as JS string literals.
#[test]
fn the_js_load_error_is_the_tables_row() {
    let info = CODES.iter().find(|i| i.code == "wasm_load_failed").expect("wasm_load_failed in error::CODES");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/pkg/errors.js");
    let js = std::fs::read_to_string(path).expect("pkg/errors.js");
    let literal = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    assert!(js.contains(&format!("'{}'", info.code)), "pkg/errors.js names the code {}", info.code);
    assert!(js.contains(&format!("const CAUSE = {};", literal(info.cause))), "pkg/errors.js CAUSE is the table's cause: {}", info.cause);
    assert!(js.contains(&format!("const REMEDY = {};", literal(info.remedy))), "pkg/errors.js REMEDY is the table's remedy: {}", info.remedy);
}
