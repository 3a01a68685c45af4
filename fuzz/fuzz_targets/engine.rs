//! libFuzzer target: the fuzz input is a program of engine inputs and commands (see
//! `echo_wasm_fuzz::run_program`); any panic or broken invariant is a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    echo_wasm_fuzz::run_program(data);
});
