//! libFuzzer target: the fuzz input is a program of resume-handling inputs on a protocol 2
//! connection (see `echo_wasm_fuzz::recovery`); any panic or broken invariant is a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    echo_wasm_fuzz::run_recovery_program(data);
});
