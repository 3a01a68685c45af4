//! Deterministic random-input driver for the engine fuzz harness: no libFuzzer, no nightly.
//!
//!   cargo run --release --no-default-features --example fuzz_engine -- --runs 1000000 [--seed N] [--seconds S] [--max-len N]
//!
//! Each run is a random byte program (seeded splitmix64; run i uses seed + i) fed to
//! `echo_wasm_fuzz::run_program`, plus the same bytes to the frame codec checks. A panic (a
//! broken invariant) stops the driver, writes the input to fuzz/regressions/ and exits 1.
use std::time::{Duration, Instant};

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(|v| v.parse::<u64>().expect("a number"));
    let runs = arg("--runs").unwrap_or(100_000);
    let seed = arg("--seed").unwrap_or(0x5EED);
    let max_len = arg("--max-len").unwrap_or(1500) as usize;
    let deadline = arg("--seconds").map(|s| Instant::now() + Duration::from_secs(s));

    std::panic::set_hook(Box::new(|_| {})); // the driver reports the panic itself
    let start = Instant::now();
    let mut done = 0u64;
    let mut bytes_total = 0u64;
    let mut buf = Vec::with_capacity(max_len);
    for i in 0..runs {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let mut state = seed.wrapping_add(i);
        let len = (splitmix(&mut state) as usize) % max_len + 1;
        buf.clear();
        while buf.len() < len {
            buf.extend_from_slice(&splitmix(&mut state).to_le_bytes());
        }
        buf.truncate(len);
        bytes_total += len as u64;
        let input = buf.clone();
        let result = std::panic::catch_unwind(|| {
            echo_wasm_fuzz::run_program(&input);
            echo_wasm_fuzz::decode_any(&input);
        });
        if let Err(panic) = result {
            let msg = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/regressions");
            std::fs::create_dir_all(dir).ok();
            let path = format!("{dir}/driver-seed{seed}-run{i}.bin");
            std::fs::write(&path, &input).expect("write the crash input");
            eprintln!("fuzz_engine: INVARIANT BROKEN on run {i} (seed {seed}): {msg}\nfuzz_engine: input saved to {path}");
            std::process::exit(1);
        }
        done += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "fuzz_engine: {done} executions, 0 failures, {:.1} s, {:.0} execs/s, {:.1} MB of input (seed {seed}, max len {max_len})",
        secs,
        done as f64 / secs,
        bytes_total as f64 / 1e6
    );
}
