//! Go's `strconv.FormatFloat` ('g', 'e', 'f'; 64 and 32 bits), which `%v`, `%g`, `%e`, `%f`,
//! `toString`, `toJson` (for large and small numbers) and YAML float keys print with: Rust's
//! shortest round-trip digits (`{:e}`, the same digits Go's shortest mode finds) or its exactly
//! rounded fixed precision, laid out as Go lays them out (`1e+06`, `1e-05`, `%e` with at least
//! two exponent digits, `+Inf`, `NaN`).

/// Significant decimal digits (no trailing zeros, "0" for zero) and the decimal point position.
fn decimal_digits(f: f64, sig: Option<usize>, f32_bits: bool) -> (String, i32) {
    let f = f.abs();
    let s = match (sig, f32_bits) {
        (None, false) => format!("{:e}", f),
        (None, true) => format!("{:e}", f as f32),
        // Past PREC_EXACT digits every digit is a zero (and Rust's formatter takes at most
        // 65,535): `printf "%.*v" 99929 -.5` panicked.
        (Some(p), false) => format!("{:.*e}", p.clamp(1, PREC_EXACT) - 1, f),
        (Some(p), true) => format!("{:.*e}", p.clamp(1, PREC_EXACT) - 1, f as f32),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    if digits == "0" {
        return (digits, 1);
    }
    (digits, exp + 1)
}

fn digit_at(d: &[u8], i: i32) -> u8 {
    if i < 0 {
        return b'0';
    }
    d.get(i as usize).copied().unwrap_or(b'0')
}

fn fmt_e(digits: &str, dp: i32, prec: usize, e: char) -> String {
    let d = digits.as_bytes();
    let mut out = String::new();
    out.push(digit_at(d, 0) as char);
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(digit_at(d, i as i32) as char);
        }
    }
    out.push(e);
    let exp = if digits == "0" { 0 } else { dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push('0');
    }
    out.push_str(&a.to_string());
    out
}

fn fmt_f(digits: &str, dp: i32, prec: usize) -> String {
    let d = digits.as_bytes();
    let mut out = String::new();
    if dp > 0 {
        for i in 0..dp {
            out.push(digit_at(d, i) as char);
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as i32 {
            out.push(digit_at(d, dp + i - 1) as char);
        }
    }
    out
}

fn special_float(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" })
    } else {
        None
    }
}

/// `strconv.FormatFloat(f, 'g', prec, 64)` (`'G'` when `upper`); `prec = None` is the shortest
/// representation, which is also what `%v` prints for a float64.
pub fn format_g(f: f64, prec: Option<usize>, upper: bool) -> String {
    format_g_bits(f, prec, upper, false)
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest text that reads back as the same
/// float32 (sigs.k8s.io/yaml prints float map keys so).
pub fn format_g32(f: f64) -> String {
    format_g_bits(f, None, false, true)
}

fn format_g_bits(f: f64, prec: Option<usize>, upper: bool, f32_bits: bool) -> String {
    let f = if f32_bits { f64::from(f as f32) } else { f };
    if let Some(s) = special_float(f) {
        return s.to_string();
    }
    let neg = f.is_sign_negative() && f != 0.0 || (f == 0.0 && f.is_sign_negative());
    let (digits, dp) = decimal_digits(f, prec.map(|p| p.max(1)), f32_bits);
    let nd = digits.len() as i32;
    let shortest = prec.is_none();
    let mut p = match prec {
        None => nd,
        Some(p) => p.max(1) as i32,
    };
    let mut eprec = p;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if shortest {
        eprec = 6;
    }
    let exp = if digits == "0" { 0 } else { dp - 1 };
    let body = if exp < -4 || exp >= eprec {
        if p > nd {
            p = nd;
        }
        fmt_e(
            &digits,
            dp,
            (p - 1).max(0) as usize,
            if upper { 'E' } else { 'e' },
        )
    } else {
        if p > dp {
            p = nd;
        }
        fmt_f(&digits, dp, (p - dp).max(0) as usize)
    };
    if neg { format!("-{body}") } else { body }
}

/// Digits after the point past which every f64 prints only zeros (its exact binary value has
/// at most 767 significant decimal digits and 1074 fractional ones).
const PREC_EXACT: usize = 1100;

/// `s` (a formatted number) padded with zeros to `prec` digits after the point when the
/// precision was capped at [`PREC_EXACT`].
fn pad_zeros(s: &str, prec: usize) -> String {
    let mut out = s.to_string();
    if prec > PREC_EXACT {
        if !out.contains('.') {
            out.push('.');
        }
        out.extend(std::iter::repeat_n('0', prec - PREC_EXACT));
    }
    out
}

/// `strconv.FormatFloat(f, 'e', prec, 64)` (`'E'` when `upper`).
pub fn format_e(f: f64, prec: usize, upper: bool) -> String {
    if let Some(s) = special_float(f) {
        return s.to_string();
    }
    // Rust's formatter panics past a precision of 65535; every f64 is exact within 800
    // significant digits, so longer precisions are that many digits padded with zeros.
    let s = format!("{:.*e}", prec.min(PREC_EXACT), f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mant = pad_zeros(mant, prec);
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    out.push_str(&mant);
    out.push(if upper { 'E' } else { 'e' });
    out.push(if exp < 0 { '-' } else { '+' });
    if exp.unsigned_abs() < 10 {
        out.push('0');
    }
    out.push_str(&exp.unsigned_abs().to_string());
    out
}

/// `strconv.FormatFloat(f, 'f', prec, 64)`.
pub fn format_f(f: f64, prec: usize) -> String {
    if let Some(s) = special_float(f) {
        return s.to_string();
    }
    let s = pad_zeros(&format!("{:.*}", prec.min(PREC_EXACT), f.abs()), prec);
    if f.is_sign_negative() {
        format!("-{s}")
    } else {
        s
    }
}

/// `strconv.FormatFloat(f, 'x', prec, 64)` (`'X'` when `upper`): `-0x1.8p+00`, the mantissa
/// normalised to a leading 1 (subnormals too: `0x1p-1074`), `prec` hex digits after the point
/// rounded half to even (all significant ones, trailing zeros dropped, when `None`), and a
/// binary exponent of at least two digits.
pub fn format_x(f: f64, prec: Option<usize>, upper: bool) -> String {
    if let Some(s) = special_float(f) {
        return s.to_string();
    }
    let bits = f.to_bits();
    let (mut exp, frac) = (((bits >> 52) & 0x7ff) as i32, bits & ((1u64 << 52) - 1));
    // The value is m × 2^(e-52) with m < 2^53; put its leading bit at bit 60 and count e.
    let mut m = if exp == 0 { frac } else { frac | (1 << 52) };
    exp = if exp == 0 { -1022 } else { exp - 1023 };
    if m == 0 {
        exp = 0;
    }
    m <<= 8;
    while m != 0 && m & (1 << 60) == 0 {
        m <<= 1;
        exp -= 1;
    }
    if let Some(p) = prec.filter(|&p| p < 15) {
        let drop = 60 - 4 * p as u32;
        let rest = m & ((1u64 << drop) - 1);
        let half = 1u64 << (drop - 1);
        m >>= drop;
        if rest > half || (rest == half && m & 1 == 1) {
            m += 1;
        }
        m <<= drop;
        if m & (1 << 61) != 0 {
            m >>= 1;
            exp += 1;
        }
    }
    let digits = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    out.push('0');
    out.push(if upper { 'X' } else { 'x' });
    out.push(if m & (1 << 60) != 0 { '1' } else { '0' });
    let mut frac = m << 4;
    let count = match prec {
        Some(p) => p,
        None => (0..15)
            .rev()
            .find(|&k| frac << (4 * k) != 0)
            .map_or(0, |k| k + 1),
    };
    if count > 0 {
        out.push('.');
        for _ in 0..count {
            out.push(digits[(frac >> 60) as usize & 15] as char);
            frac <<= 4;
        }
    }
    out.push(if upper { 'P' } else { 'p' });
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
    out
}

/// `strconv.FormatFloat(f, 'b', -1, 64)`: the integer mantissa and binary exponent,
/// `6755399441055744p-52` for 1.5.
pub fn format_b(f: f64) -> String {
    if let Some(s) = special_float(f) {
        return s.to_string();
    }
    let bits = f.to_bits();
    let (exp, frac) = (((bits >> 52) & 0x7ff) as i32, bits & ((1u64 << 52) - 1));
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    };
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let esign = if e < 0 { "-" } else { "+" };
    format!("{sign}{m}p{esign}{}", e.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shortest 'g', 'e', 'f' and 'g' with a precision as strconv/ftoa_test.go (`ftoatests`)
    /// has them, then float32 shortest forms.
    #[test]
    fn ftoa_table_of_go() {
        for (f, want) in [
            (1.0, "1"),
            (0.0, "0"),
            (20.0, "20"),
            (1234567.8, "1.2345678e+06"),
            (200000.0, "200000"),
            (2000000.0, "2e+06"),
            (1e21, "1e+21"),
            (100.0, "100"),
            (1000000.0, "1e+06"),
            (-1.0, "-1"),
            (-0.0, "-0"),
            (1e23, "1e+23"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(format_g(f, None, false), want, "{f:e}");
        }
        assert_eq!(format_e(1.0, 5, false), "1.00000e+00");
        assert_eq!(format_e(-1.0, 5, true), "-1.00000E+00");
        assert_eq!(format_f(1.0, 5), "1.00000");
        assert_eq!(format_f(123456789.0, 3), "123456789.000");
        assert_eq!(format_g(1.0, Some(5), false), "1");
        assert_eq!(format_g(100.0, Some(2), false), "1e+02");
        assert_eq!(format_g(1e23, Some(17), false), "9.9999999999999992e+22");
        assert_eq!(format_g(1234567.8, Some(3), true), "1.23E+06");
        // 32 bits: float32(0.1) prints as 0.1, float32(1e6) as 1e+06.
        assert_eq!(format_g32(0.1), "0.1");
        assert_eq!(format_g32(1e6), "1e+06");
        assert_eq!(format_g32(16777216.0), "1.6777216e+07");
        assert_eq!(format_g32(123456.0), "123456");
        assert_eq!(format_g32(1.0 / 3.0), "0.33333334");
    }
}
