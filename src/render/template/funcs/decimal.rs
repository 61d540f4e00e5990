//! Sprig's float arithmetic (`addf`, `subf`, `mulf`, `divf`, `add1f`) goes through
//! shopspring/decimal: every operand becomes the exact decimal of its shortest float
//! representation, sums and products are exact, quotients are rounded half away from zero to
//! 16 decimal places, and the result is converted back to the nearest float64.
use num_bigint::BigInt;

/// `value × 10^exp`.
#[derive(Clone, Debug)]
pub(super) struct Decimal {
    value: BigInt,
    exp: i32,
}

const DIVISION_PRECISION: i32 = 16;

impl Decimal {
    /// shopspring's `NewFromFloat`: the shortest decimal that reads back as `f`.
    pub(super) fn from_f64(f: f64) -> Result<Decimal, String> {
        if f.is_nan() {
            return Err("Cannot create a Decimal from NaN".into());
        }
        if f.is_infinite() {
            return Err(format!(
                "Cannot create a Decimal from {}",
                if f > 0.0 { "+Inf" } else { "-Inf" }
            ));
        }
        // `{:e}` is the shortest round-tripping form: `-1.25e-3`.
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let digits = format!("{int}{frac}");
        let value: BigInt = digits.parse().unwrap_or_default();
        Ok(Decimal {
            value,
            exp: exp - frac.len() as i32,
        })
    }

    fn rescaled(&self, exp: i32) -> BigInt {
        // Only ever called with exp <= self.exp.
        &self.value * BigInt::from(10).pow((self.exp - exp) as u32)
    }

    pub(super) fn add(&self, o: &Decimal) -> Decimal {
        let exp = self.exp.min(o.exp);
        Decimal {
            value: self.rescaled(exp) + o.rescaled(exp),
            exp,
        }
    }

    pub(super) fn sub(&self, o: &Decimal) -> Decimal {
        let exp = self.exp.min(o.exp);
        Decimal {
            value: self.rescaled(exp) - o.rescaled(exp),
            exp,
        }
    }

    pub(super) fn mul(&self, o: &Decimal) -> Decimal {
        Decimal {
            value: &self.value * &o.value,
            exp: self.exp + o.exp,
        }
    }

    /// shopspring's `Div`: `DivRound(o, 16)`.
    pub(super) fn div(&self, o: &Decimal) -> Result<Decimal, String> {
        use num_bigint::Sign;
        if o.value.sign() == Sign::NoSign {
            return Err("decimal division by 0".into());
        }
        let p = DIVISION_PRECISION;
        // q = trunc(self / o) at 10^-p: scale the dividend so that the integer quotient has
        // exponent -p.
        let shift = self.exp - o.exp + p; // self.value * 10^shift / o.value
        let (num, den) = if shift >= 0 {
            (
                &self.value * BigInt::from(10).pow(shift as u32),
                o.value.clone(),
            )
        } else {
            (
                self.value.clone(),
                &o.value * BigInt::from(10).pow((-shift) as u32),
            )
        };
        let q = &num / &den;
        let r = &num - &q * &den;
        let twice_r = r.magnitude() * 2u32;
        let mut q = q;
        if twice_r >= *den.magnitude() {
            let neg = (self.value.sign() == Sign::Minus) != (o.value.sign() == Sign::Minus);
            if neg {
                q -= 1;
            } else {
                q += 1;
            }
        }
        Ok(Decimal { value: q, exp: -p })
    }

    /// The nearest float64 (shopspring's `Float64` through `big.Rat`).
    pub(super) fn to_f64(&self) -> f64 {
        format!("{}e{}", self.value, self.exp)
            .parse()
            .unwrap_or(f64::NAN)
    }
}
