//! libFuzzer target: frame decoding of arbitrary text (never panics; round-trips what it keeps).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    echo_wasm_fuzz::decode_any(data);
});
