//! The panic hook: a panic (caught per chart render or policy evaluation, where it becomes a
//! finding) prints one escaped line on stderr, never a backtrace.

/// Installs the hook for the whole process.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "chartgate: internal error: {}{at}",
            crate::confine::excerpt(&payload, 200)
        );
    }));
}
