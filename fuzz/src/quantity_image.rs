//! Kubernetes quantity and container image reference parsing. The input is split at the first
//! newline into two strings; both are parsed as quantities (and compared) and as images.
use chartgate::analyze::image::ImageRef;
use chartgate::analyze::quantity::Quantity;

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = s.split_once('\n').unwrap_or((s, "1"));
    let qa = Quantity::parse(a);
    let qb = Quantity::parse(b);
    if let (Ok(x), Ok(y)) = (&qa, &qb) {
        let o = x.partial_cmp(y);
        // Antisymmetry: a < b exactly when b > a.
        assert_eq!(o.map(|o| o.reverse()), y.partial_cmp(x), "{a:?} vs {b:?}");
        let _ = (x.is_zero(), x.as_f64());
        assert_eq!(x.partial_cmp(x), Some(std::cmp::Ordering::Equal), "{a:?}");
    }
    for s in [a, b] {
        if let Ok(img) = ImageRef::parse(s) {
            let n = img.normalised();
            // Normalising is idempotent.
            let again = ImageRef::parse(&n).map(|i| i.normalised());
            assert_eq!(again.as_deref(), Ok(n.as_str()), "{s:?}");
            let _ = img.name();
        }
    }
}
