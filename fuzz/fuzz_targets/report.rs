#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chartgate_fuzz::report::run(data));
