//! Chart archives: the input is a tar stream (gzipped here, so that mutations hit the tar
//! headers and not the deflate stream) loaded as a chart `.tgz`, subchart archives inside it
//! included; a chart that loads is rendered with its defaults. Asserts that every error names a
//! path and that nothing panics, hangs or allocates past the shared 100 MiB bound.
/// Runs one input.
pub fn run(data: &[u8]) {
    let mut gz = stored_gzip::Encoder::new();
    gz.write_all(data);
    let tgz = gz.finish();
    match chartgate::render::chart::load::load_archive_bytes(&tgz, "fuzz.tgz") {
        Ok(loaded) => {
            // Smaller limits than the defaults, as for the template targets: a bounded blow-up
            // ends quickly instead of looking like a hang to libFuzzer.
            let mut opts = chartgate::render::chart::RenderOptions::default();
            opts.limits.output_bytes = 1 << 20;
            opts.limits.range_iterations = 100_000;
            opts.limits.render_seconds = 2;
            let _ = chartgate::render::chart::render_chart(&loaded, &opts);
        }
        Err(e) => assert!(e.path.is_some(), "error without a path: {e}"),
    }
}

/// A stored (uncompressed) gzip member: the smallest correct gzip writer, so the fuzz crate needs
/// no compression dependency of its own.
mod stored_gzip {
    pub struct Encoder {
        data: Vec<u8>,
    }

    impl Encoder {
        pub fn new() -> Encoder {
            Encoder { data: Vec::new() }
        }
        pub fn write_all(&mut self, b: &[u8]) {
            self.data.extend_from_slice(b);
        }
        /// gzip header, deflate "stored" blocks of at most 65,535 bytes, CRC-32 and size.
        pub fn finish(self) -> Vec<u8> {
            let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
            let chunks: Vec<&[u8]> = if self.data.is_empty() {
                vec![&[]]
            } else {
                self.data.chunks(65_535).collect()
            };
            for (i, c) in chunks.iter().enumerate() {
                out.push(u8::from(i + 1 == chunks.len()));
                let len = c.len() as u16;
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(&(!len).to_le_bytes());
                out.extend_from_slice(c);
            }
            out.extend_from_slice(&crc32(&self.data).to_le_bytes());
            out.extend_from_slice(&(self.data.len() as u32).to_le_bytes());
            out
        }
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
