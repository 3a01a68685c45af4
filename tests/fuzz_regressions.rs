//! Replays every input in `fuzz/regressions/` (crash inputs found by `cargo fuzz` or the
//! deterministic driver, kept after the fix) through the engine fuzz harness and the frame
//! codec checks, then runs a short deterministic random sweep (`FUZZ_CASES`, default 2000).
//! The harness is `fuzz/src/lib.rs`, included as a module so this runs with `cargo test`.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::Path;

#[test]
fn regression_inputs_keep_the_invariants() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("fuzz/regressions exists").filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "bin")).collect();
    files.sort();
    assert!(!files.is_empty(), "no regression inputs in {}", dir.display());
    for file in files {
        let input = std::fs::read(&file).unwrap();
        let result = std::panic::catch_unwind(|| {
            harness::run_program(&input);
            harness::decode_any(&input);
            harness::run_recovery_program(&input);
        });
        assert!(result.is_ok(), "regression input {} fails again", file.display());
    }
}

#[test]
fn random_programs_keep_the_invariants() {
    let cases: u64 = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let mut state = 0xEC40_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for _ in 0..cases {
        let len = (next() % 1200) as usize + 1;
        let mut input = Vec::with_capacity(len + 8);
        while input.len() < len {
            input.extend_from_slice(&next().to_le_bytes());
        }
        input.truncate(len);
        harness::run_program(&input);
        harness::decode_any(&input);
        harness::run_recovery_program(&input);
    }
}
