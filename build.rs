//! Decompresses the bundled Kubernetes schemas and CRDs (`src/analyze/kube/data/*.lines.gz`,
//! kept compressed in the repository) into `OUT_DIR`, so the binary carries them as plain text:
//! a run reads the few lines it needs instead of inflating about a megabyte first (measured:
//! the inflate was ~1.5 ms of a pre-commit `check --changed`).

use std::io::Read;

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    for name in ["schemas", "crds"] {
        let src = format!("src/analyze/kube/data/{name}.lines.gz");
        println!("cargo:rerun-if-changed={src}");
        let gz = std::fs::read(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let mut text = String::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{src}: {e}"));
        std::fs::write(out.join(format!("{name}.lines")), text)
            .unwrap_or_else(|e| panic!("{name}.lines: {e}"));
    }
    println!("cargo:rerun-if-changed=build.rs");
}
