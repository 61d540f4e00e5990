//! Kubernetes resource quantities (`500m`, `1`, `128Mi`, `1Gi`, `1e3`, `1.5`), parsed and compared
//! exactly, as `k8s.io/apimachinery/pkg/api/resource.ParseQuantity` reads them.
//!
//! A quantity is `<sign?><digits>[.<digits>]<suffix>` where the suffix is a binary SI suffix
//! (`Ki Mi Gi Ti Pi Ei`), a decimal SI suffix (`n u m "" k M G T P E`) or a decimal exponent
//! (`e3`, `E-2`). The value is kept as `mantissa × 10^exp10 × 2^exp2` so `0.1` and `100m` compare
//! equal without floating point.

use std::cmp::Ordering;

/// An exact Kubernetes quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quantity {
    /// True for a negative quantity (Kubernetes accepts the syntax; validation rejects it for
    /// requests and limits).
    pub negative: bool,
    /// The decimal digits of the number without the point.
    mantissa: u128,
    /// Power of ten applied to `mantissa` (includes the digits after the point and the suffix).
    exp10: i32,
    /// Power of two applied (binary suffixes).
    exp2: u32,
}

/// Why a quantity string is not a Kubernetes quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantityError(pub String);

impl std::fmt::Display for QuantityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Quantity {
    /// Parses a quantity string (`500m`, `1Gi`, `1e3`); errors say why in words.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        let err = |why: &str| {
            Err(QuantityError(format!(
                "`{s}` is not a Kubernetes quantity: {why}"
            )))
        };
        if s.is_empty() {
            return err("it is empty");
        }
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if bytes[0] == b'+' || bytes[0] == b'-' {
            negative = bytes[0] == b'-';
            i = 1;
        }
        let mut mantissa: u128 = 0;
        let mut exp10: i32 = 0;
        let mut digits = 0usize;
        let mut seen_point = false;
        while i < bytes.len() {
            let c = bytes[i];
            if c.is_ascii_digit() {
                digits += 1;
                if mantissa > u128::MAX / 100 {
                    // Drop insignificant digits beyond ~36 significant ones (Kubernetes caps
                    // precision too); keep the magnitude right.
                    if !seen_point {
                        exp10 += 1;
                    }
                } else {
                    mantissa = mantissa * 10 + u128::from(c - b'0');
                    if seen_point {
                        exp10 -= 1;
                    }
                }
            } else if c == b'.' && !seen_point {
                seen_point = true;
            } else {
                break;
            }
            i += 1;
        }
        if digits == 0 {
            return err("it has no digits");
        }
        let suffix = &s[i..];
        let mut exp2 = 0u32;
        match suffix {
            "" => {}
            "Ki" => exp2 = 10,
            "Mi" => exp2 = 20,
            "Gi" => exp2 = 30,
            "Ti" => exp2 = 40,
            "Pi" => exp2 = 50,
            "Ei" => exp2 = 60,
            "n" => exp10 -= 9,
            "u" => exp10 -= 6,
            "m" => exp10 -= 3,
            "k" => exp10 += 3,
            "M" => exp10 += 6,
            "G" => exp10 += 9,
            "T" => exp10 += 12,
            "P" => exp10 += 15,
            "E" => exp10 += 18,
            _ => {
                let rest = suffix.strip_prefix(['e', 'E']);
                let Some(rest) = rest else {
                    return err(&format!(
                        "unknown suffix `{suffix}` (use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent like e3)"
                    ));
                };
                let digits_part = rest.strip_prefix(['+', '-']).unwrap_or(rest);
                if digits_part.is_empty() || !digits_part.bytes().all(|b| b.is_ascii_digit()) {
                    return err(&format!("bad exponent `{suffix}`"));
                }
                let Ok(e) = rest.parse::<i32>() else {
                    return err(&format!("exponent `{suffix}` is out of range"));
                };
                if !(-1000..=1000).contains(&e) {
                    return err(&format!("exponent `{suffix}` is out of range"));
                }
                exp10 += e;
            }
        }
        Ok(Quantity {
            negative: negative && mantissa != 0,
            mantissa,
            exp10,
            exp2,
        })
    }

    /// True when the quantity is zero.
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// Approximate value as f64 (for messages only; comparisons use [`Ord`]).
    pub fn as_f64(&self) -> f64 {
        let v = self.mantissa as f64 * 10f64.powi(self.exp10) * 2f64.powi(self.exp2 as i32);
        if self.negative { -v } else { v }
    }

    /// Magnitude as (mantissa without trailing zeros, exp10), with the binary factor folded in.
    fn normalised(&self) -> Option<(u128, i32)> {
        let mut m = self.mantissa.checked_mul(1u128.checked_shl(self.exp2)?)?;
        let mut e = self.exp10;
        if m == 0 {
            return Some((0, 0));
        }
        while m % 10 == 0 {
            m /= 10;
            e += 1;
        }
        Some((m, e))
    }
}

fn cmp_magnitude(a: &Quantity, b: &Quantity) -> Ordering {
    // Beyond exact integer range: compare as floats.
    let approx = || {
        a.as_f64()
            .abs()
            .partial_cmp(&b.as_f64().abs())
            .unwrap_or(Ordering::Equal)
    };
    let (Some((ma, ea)), Some((mb, eb))) = (a.normalised(), b.normalised()) else {
        return approx();
    };
    if ma == 0 || mb == 0 {
        return ma.cmp(&mb);
    }
    // Compare orders of magnitude first: digits(m) + e.
    let da = ma.ilog10() as i64 + 1 + i64::from(ea);
    let db = mb.ilog10() as i64 + 1 + i64::from(eb);
    if da != db {
        return da.cmp(&db);
    }
    // Same magnitude: align exponents (difference is bounded by the digit count, ≤ 39).
    let scaled = |m: u128, by: u32| 10u128.checked_pow(by).and_then(|p| m.checked_mul(p));
    let aligned = if ea > eb {
        scaled(ma, (ea - eb) as u32).map(|xa| (xa, mb))
    } else {
        scaled(mb, (eb - ea) as u32).map(|xb| (ma, xb))
    };
    match aligned {
        Some((xa, xb)) => xa.cmp(&xb),
        None => approx(),
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => cmp_magnitude(self, other),
            (true, true) => cmp_magnitude(other, self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).expect(s)
    }

    #[test]
    fn compares_exactly() {
        assert!(q("500m") < q("1"));
        assert!(q("128Mi") < q("1Gi"));
        assert_eq!(q("1e3").cmp(&q("1k")), Ordering::Equal);
        assert_eq!(q("1.5").cmp(&q("1500m")), Ordering::Equal);
        assert_eq!(q("0.1").cmp(&q("100m")), Ordering::Equal);
        assert_eq!(q("1024").cmp(&q("1Ki")), Ordering::Equal);
        assert!(q("1G") < q("1Gi"));
        assert!(q("1000Mi") > q("1G"));
        assert!(q("-1") < q("0"));
        assert!(q("1E") < q("1Ei"));
        assert!(q("2") > q("1999m"));
        assert_eq!(q("+1").cmp(&q("1")), Ordering::Equal);
        assert_eq!(q("0").cmp(&q("-0")), Ordering::Equal);
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "", "abc", "1Mb", "1 Gi", "1.2.3", "m", "1e", "1ex", "Gi", "1KI", "1mi",
        ] {
            assert!(Quantity::parse(s).is_err(), "{s}");
        }
        assert_eq!(
            Quantity::parse("1Mb").unwrap_err().0,
            "`1Mb` is not a Kubernetes quantity: unknown suffix `Mb` (use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent like e3)"
        );
    }
}
