//! Helm's removal of `<no value>` from a template's output.
//!
//! Go's text/template prints a missing map key as `<no value>` even with `missingkey=zero`; Helm
//! works around it in `engine.render` (and `tpl`) with one `strings.ReplaceAll(out, "<no value>",
//! "")` over the whole output of each template — one pass, so text that only forms the marker
//! once a marker inside it is removed (`<no <no value>value>`) keeps it.

/// The marker Go's text/template prints for a missing value.
pub const NO_VALUE: &str = "<no value>";

/// A template's output with every [`NO_VALUE`] removed, and where the old positions went.
#[derive(Debug)]
pub struct Removed {
    pub text: String,
    /// Byte offsets of the removed markers in the original text (increasing, disjoint).
    starts: Vec<usize>,
}

impl Removed {
    /// Where byte offset `pos` of the original text lands in [`Removed::text`]; an offset inside
    /// a removed marker lands where the marker was.
    pub fn map(&self, pos: u32) -> u32 {
        let p = pos as usize;
        let before = self.starts.partition_point(|&s| s < p);
        let removed = match before {
            0 => 0,
            n => (n - 1) * NO_VALUE.len() + (p - self.starts[n - 1]).min(NO_VALUE.len()),
        };
        (p - removed) as u32
    }
}

/// Go's `strings.ReplaceAll(text, "<no value>", "")`; None when there is no marker (the text
/// stays as it is).
pub fn remove(text: &str) -> Option<Removed> {
    if !text.contains(NO_VALUE) {
        return None;
    }
    let starts: Vec<usize> = text.match_indices(NO_VALUE).map(|(i, _)| i).collect();
    Some(Removed {
        text: text.replace(NO_VALUE, ""),
        starts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_every_marker_once() {
        assert!(remove("a: 1\n").is_none());
        let r = remove("a: <no value>\nb: <no value><no value>x\n").unwrap();
        assert_eq!(r.text, "a: \nb: x\n");
        // Positions: before, inside and after markers.
        assert_eq!(r.map(0), 0);
        assert_eq!(r.map(3), 3);
        assert_eq!(r.map(8), 3);
        assert_eq!(r.map(13), 3);
        assert_eq!(r.map(14), 4);
        assert_eq!(r.map(17), 7);
        assert_eq!(r.map(27), 7);
        assert_eq!(r.map(37), 7);
        assert_eq!(r.map(38), 8);
    }

    /// Go's ReplaceAll is one pass: a marker that only appears once an inner one is removed
    /// stays (the chart renderer used to strip a second time and removed it).
    #[test]
    fn one_pass_like_go() {
        let r = remove("<no <no value>value>").unwrap();
        assert_eq!(r.text, "<no value>");
    }
}
