//! Sprig's math functions: int64 arithmetic through cast (`add`, `sub`, `mul`, `div`, `mod`,
//! `max`, `min`, ...), the `*f` family computed with shopspring/decimal semantics, `floor`,
//! `ceil`, `round`, and the sequence builders `seq`, `until`, `untilStep`.
//!
//! `randInt` belongs to `random.rs`.

use gotemplate::{ArgType, ElemType, FuncError, FuncMap, List, Signature, Value};
use num_bigint::{BigInt, Sign};

use super::cast::{arg, arg_int, to_float64, to_int64};

/// Longest list `until`/`untilStep`/`seq` may build.
const MAX_SEQ: usize = 10_000_000;

/// Go's panic text for an integer division by zero.
const DIV_ZERO: &str = "runtime error: integer divide by zero";

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    use ArgType::{Any, Float64, Int};
    let any_var = || Signature::variadic(&[], Any);
    let any_then_var = || Signature::variadic(&[Any], Any);

    m.add("add1", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::Int64(to_int64(arg(a, 0)).wrapping_add(1)))
    });
    m.add("add", any_var(), |_, a| {
        Ok(Value::Int64(
            a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))),
        ))
    });
    m.add("sub", Signature::fixed(&[Any, Any]), |_, a| {
        Ok(Value::Int64(
            to_int64(arg(a, 0)).wrapping_sub(to_int64(arg(a, 1))),
        ))
    });
    m.add("div", Signature::fixed(&[Any, Any]), |_, a| {
        let d = to_int64(arg(a, 1));
        if d == 0 {
            return Err(FuncError::msg(DIV_ZERO));
        }
        Ok(Value::Int64(to_int64(arg(a, 0)).wrapping_div(d)))
    });
    m.add("mod", Signature::fixed(&[Any, Any]), |_, a| {
        let d = to_int64(arg(a, 1));
        if d == 0 {
            return Err(FuncError::msg(DIV_ZERO));
        }
        Ok(Value::Int64(to_int64(arg(a, 0)).wrapping_rem(d)))
    });
    m.add("mul", any_then_var(), |_, a| {
        Ok(Value::Int64(
            a.iter()
                .skip(1)
                .fold(to_int64(arg(a, 0)), |acc, v| acc.wrapping_mul(to_int64(v))),
        ))
    });
    for name in ["max", "biggest"] {
        m.add(name, any_then_var(), |_, a| {
            Ok(Value::Int64(
                a.iter().map(to_int64).max().unwrap_or_default(),
            ))
        });
    }
    m.add("min", any_then_var(), |_, a| {
        Ok(Value::Int64(
            a.iter().map(to_int64).min().unwrap_or_default(),
        ))
    });
    m.add("maxf", any_then_var(), |_, a| {
        let first = to_float64(arg(a, 0));
        Ok(Value::Float(
            a.iter().skip(1).map(to_float64).fold(first, go_max),
        ))
    });
    m.add("minf", any_then_var(), |_, a| {
        let first = to_float64(arg(a, 0));
        Ok(Value::Float(
            a.iter().skip(1).map(to_float64).fold(first, go_min),
        ))
    });
    m.add("add1f", Signature::fixed(&[Any]), |_, a| {
        decimal_op(arg(a, 0), &[Value::Int(1)], Op::Add)
    });
    m.add("addf", any_var(), |_, a| {
        decimal_op(&Value::Float(0.0), a, Op::Add)
    });
    m.add("subf", any_then_var(), |_, a| {
        decimal_op(arg(a, 0), a.get(1..).unwrap_or_default(), Op::Sub)
    });
    m.add("mulf", any_then_var(), |_, a| {
        decimal_op(arg(a, 0), a.get(1..).unwrap_or_default(), Op::Mul)
    });
    m.add("divf", any_then_var(), |_, a| {
        decimal_op(arg(a, 0), a.get(1..).unwrap_or_default(), Op::Div)
    });
    m.add("floor", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::Float(to_float64(arg(a, 0)).floor()))
    });
    m.add("ceil", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::Float(to_float64(arg(a, 0)).ceil()))
    });
    m.add(
        "round",
        Signature::variadic(&[Any, Int], Float64),
        |_, a| {
            let round_on = match a.get(2) {
                Some(Value::Float(f)) => *f,
                _ => 0.5,
            };
            Ok(Value::Float(round(
                to_float64(arg(a, 0)),
                arg_int(a, 1),
                round_on,
            )))
        },
    );
    m.add("until", Signature::fixed(&[Int]), |_, a| {
        let count = arg_int(a, 0);
        let step = if count < 0 { -1 } else { 1 };
        until_step(0, count, step).map(int_list)
    });
    m.add("untilStep", Signature::fixed(&[Int, Int, Int]), |_, a| {
        until_step(arg_int(a, 0), arg_int(a, 1), arg_int(a, 2)).map(int_list)
    });
    m.add("seq", Signature::variadic(&[], Int), |_, a| {
        let params: Vec<i64> = (0..a.len()).map(|i| arg_int(a, i)).collect();
        seq(&params).map(Value::from)
    });
}

fn int_list(v: Vec<i64>) -> Value {
    Value::List(List::typed(
        ElemType::Int,
        v.into_iter().map(Value::Int).collect(),
    ))
}

/// Go's `math.Max`.
fn go_max(x: f64, y: f64) -> f64 {
    if x == f64::INFINITY || y == f64::INFINITY {
        f64::INFINITY
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && x == y {
        if x.is_sign_negative() {
            y
        } else {
            x
        }
    } else if x > y {
        x
    } else {
        y
    }
}

/// Go's `math.Min`.
fn go_min(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
        f64::NEG_INFINITY
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && x == y {
        if x.is_sign_negative() {
            x
        } else {
            y
        }
    } else if x < y {
        x
    } else {
        y
    }
}

/// Go's `math.Frexp` for finite non-zero values: `f = frac × 2^exp`, `frac` in [0.5, 1).
fn frexp(f: f64) -> (f64, i64) {
    if f == 0.0 || !f.is_finite() {
        return (f, 0);
    }
    let (f, e0) = normalize(f);
    let bits = f.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64 - 1022 + e0;
    let bits = (bits & !(0x7ff << 52)) | (1022 << 52);
    (f64::from_bits(bits), exp)
}

/// Go's `normalize`: subnormals scaled into the normal range.
fn normalize(f: f64) -> (f64, i64) {
    if f.abs() < f64::MIN_POSITIVE {
        (f * (1u64 << 52) as f64, -52)
    } else {
        (f, 0)
    }
}

/// Go's `math.Ldexp`, including its rounding of subnormal results.
fn ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || !frac.is_finite() {
        return frac;
    }
    let (frac, e) = normalize(frac);
    let x = frac.to_bits();
    let mut exp = exp + e + ((x >> 52) & 0x7ff) as i64 - 1023;
    if exp < -1075 {
        return 0f64.copysign(frac);
    }
    if exp > 1023 {
        return f64::INFINITY.copysign(frac);
    }
    let mut m = 1.0;
    if exp < -1022 {
        exp += 53;
        m = 1.0 / (1u64 << 53) as f64;
    }
    let x = (x & !(0x7ff << 52)) | (((exp + 1023) as u64) << 52);
    m * f64::from_bits(x)
}

/// `10^places` exactly as Go's `math.Pow(10, places)` computes it for an integer exponent:
/// repeated squaring of the `Frexp` mantissa, then `Ldexp`.
fn pow10(places: i64) -> f64 {
    if places == 0 {
        return 1.0;
    }
    let yi = places.unsigned_abs();
    if yi >= 1 << 63 {
        return if places > 0 { f64::INFINITY } else { 0.0 };
    }
    let mut a1 = 1.0f64;
    let mut ae: i64 = 0;
    let (mut x1, mut xe) = frexp(10.0);
    let mut i = yi;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if places < 0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae)
}

/// Sprig's `round`: scale, compare the fractional part with `round_on`, then ceil or floor.
fn round(val: f64, places: i64, round_on: f64) -> f64 {
    let pow = pow10(places);
    let digit = pow * val;
    let frac = digit.fract();
    let r = if frac >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    r / pow
}

/// Sprig's `untilStep`.
fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, FuncError> {
    let mut v = Vec::new();
    let too_long = || {
        Err(FuncError::msg(format!(
            "sequence longer than {MAX_SEQ} elements"
        )))
    };
    if stop < start {
        if step >= 0 {
            return Ok(v);
        }
        let mut i = start;
        while i > stop {
            if v.len() >= MAX_SEQ {
                return too_long();
            }
            v.push(i);
            match i.checked_add(step) {
                Some(n) => i = n,
                None => break,
            }
        }
        return Ok(v);
    }
    if step <= 0 {
        return Ok(v);
    }
    let mut i = start;
    while i < stop {
        if v.len() >= MAX_SEQ {
            return too_long();
        }
        v.push(i);
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    Ok(v)
}

/// Sprig's `seq`: like the Unix command, numbers joined by spaces.
fn seq(params: &[i64]) -> Result<String, FuncError> {
    let (start, end, step) = match *params {
        [end] => (1, end, if end < 1 { -1 } else { 1 }),
        [start, end] => (start, end, if end < start { -1 } else { 1 }),
        [start, step, end] => {
            if end < start && step > 0 {
                return Ok(String::new());
            }
            (start, end, step)
        }
        _ => return Ok(String::new()),
    };
    let increment = if end < start { -1 } else { 1 };
    let nums = until_step(start, end.wrapping_add(increment), step)?;
    Ok(nums
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" "))
}

/// The arithmetic of the `*f` functions.
#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// A shopspring `Decimal`: `mant × 10^exp`.
#[derive(Clone, Debug)]
struct Decimal {
    mant: BigInt,
    exp: i64,
}

/// shopspring/decimal's `DivisionPrecision`.
const DIV_PRECISION: i64 = 16;

/// Exponents beyond this would need absurdly large integers; no float gets near it.
const MAX_EXP_GAP: i64 = 10_000;

impl Decimal {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`.
    fn from_f64(f: f64) -> Result<Decimal, FuncError> {
        if !f.is_finite() {
            let shown = if f.is_nan() {
                "NaN".to_string()
            } else if f > 0.0 {
                "+Inf".to_string()
            } else {
                "-Inf".to_string()
            };
            return Err(FuncError::msg(format!(
                "Cannot create a Decimal from {shown}"
            )));
        }
        if f == 0.0 {
            return Ok(Decimal {
                mant: BigInt::from(0u32),
                exp: 0,
            });
        }
        // `{:e}` is the shortest round-trip form: "-1.2345e-7".
        let text = format!("{f:e}");
        let (m, e) = text.split_once('e').unwrap_or((text.as_str(), "0"));
        let e: i64 = e.parse().unwrap_or(0);
        let (int_part, frac_part) = m.split_once('.').unwrap_or((m, ""));
        let digits = format!("{int_part}{frac_part}");
        let mant: BigInt = digits.parse().unwrap_or_default();
        Ok(Decimal {
            mant,
            exp: e - frac_part.len() as i64,
        })
    }

    fn scaled(&self, exp: i64) -> BigInt {
        // Only called with exp <= self.exp.
        let k = u32::try_from(self.exp - exp).unwrap_or(0);
        &self.mant * BigInt::from(10u32).pow(k)
    }

    fn apply(&self, op: Op, other: &Decimal) -> Result<Decimal, FuncError> {
        if (self.exp - other.exp).abs() > MAX_EXP_GAP {
            return Err(FuncError::msg("decimal exponent out of range"));
        }
        Ok(match op {
            Op::Add | Op::Sub => {
                let exp = self.exp.min(other.exp);
                let (a, b) = (self.scaled(exp), other.scaled(exp));
                let mant = if matches!(op, Op::Add) { a + b } else { a - b };
                Decimal { mant, exp }
            }
            Op::Mul => Decimal {
                mant: &self.mant * &other.mant,
                exp: self.exp + other.exp,
            },
            Op::Div => self.div_round(other)?,
        })
    }

    /// `DivRound(d2, 16)`: the quotient in units of 10^-16, rounded half away from zero.
    fn div_round(&self, d2: &Decimal) -> Result<Decimal, FuncError> {
        if d2.mant.sign() == Sign::NoSign {
            return Err(FuncError::msg("decimal division by 0"));
        }
        // value = m1/m2 × 10^(e1 - e2); result mantissa = round(value × 10^16).
        let k = self.exp - d2.exp + DIV_PRECISION;
        let ten = BigInt::from(10u32);
        let (num, den) = if k >= 0 {
            (
                &self.mant * ten.pow(u32::try_from(k).unwrap_or(0)),
                d2.mant.clone(),
            )
        } else {
            (
                self.mant.clone(),
                &d2.mant * ten.pow(u32::try_from(-k).unwrap_or(0)),
            )
        };
        let q = &num / &den;
        let r = &num % &den;
        let mut mant = q;
        if r.magnitude() * 2u32 >= *den.magnitude() {
            let negative = (num.sign() == Sign::Minus) != (den.sign() == Sign::Minus);
            if negative {
                mant -= 1;
            } else {
                mant += 1;
            }
        }
        Ok(Decimal {
            mant,
            exp: -DIV_PRECISION,
        })
    }

    /// `Float64()`: the float nearest the exact value.
    fn to_f64(&self) -> f64 {
        format!("{}e{}", self.mant, self.exp).parse().unwrap_or(0.0)
    }
}

/// Sprig's `execDecimalOp`: each operand through cast.ToFloat64 and `NewFromFloat`, folded
/// with `op`, read back as a float64.
fn decimal_op(first: &Value, rest: &[Value], op: Op) -> Result<Value, FuncError> {
    let mut acc = Decimal::from_f64(to_float64(first))?;
    for v in rest {
        let d = Decimal::from_f64(to_float64(v))?;
        acc = acc.apply(op, &d)?;
    }
    Ok(Value::Float(acc.to_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(first: f64, rest: &[f64], op: Op) -> f64 {
        let rest: Vec<Value> = rest.iter().map(|f| Value::Float(*f)).collect();
        match decimal_op(&Value::Float(first), &rest, op) {
            Ok(Value::Float(f)) => f,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn decimal_ops_are_exact() {
        assert_eq!(dec(0.1, &[0.2], Op::Add), 0.3);
        assert_eq!(dec(7.0, &[2.0], Op::Div), 3.5);
        assert_eq!(dec(1.0, &[3.0], Op::Div), 0.3333333333333333);
        assert_eq!(dec(2.0, &[3.0], Op::Div), 0.6666666666666667);
        assert_eq!(dec(-2.0, &[3.0], Op::Div), -0.6666666666666667);
        assert_eq!(dec(8080.0, &[1000.0], Op::Mul), 8_080_000.0);
        assert_eq!(dec(1.1, &[0.1], Op::Sub), 1.0);
        assert_eq!(dec(8080.0, &[0.75], Op::Mul), 6060.0);
        assert!(decimal_op(&Value::Float(1.0), &[Value::Float(0.0)], Op::Div).is_err());
    }

    #[test]
    fn rounding_matches_sprig() {
        assert_eq!(round(2.5, 0, 0.5), 3.0);
        assert_eq!(round(-2.5, 0, 0.5), -3.0);
        assert_eq!(round(1.2345, 2, 0.5), 1.23);
        assert_eq!(round(1.255, 2, 0.5), 1.25);
        assert_eq!(round(123.456, -1, 0.5), 120.0);
        assert_eq!(round(2.5, 0, 0.6), 2.0);
        assert_eq!(round(1.25, 1, 0.5), 1.3);
    }

    #[test]
    fn pow10_matches_go() {
        assert_eq!(pow10(2), 100.0);
        assert_eq!(pow10(-1), 0.1);
        assert_eq!(pow10(22), 1e22);
        assert_eq!(round(3e30, -25, 0.5), 3.0000000000000003e30);
        assert_eq!(pow10(400), f64::INFINITY);
        assert_eq!(pow10(-400), 0.0);
    }

    #[test]
    fn sequences() {
        let s = |p: &[i64]| seq(p).unwrap_or_default();
        assert_eq!(s(&[3]), "1 2 3");
        assert_eq!(s(&[5, 2]), "5 4 3 2");
        assert_eq!(s(&[0, 2, 10]), "0 2 4 6 8 10");
        assert_eq!(s(&[10, -3, 1]), "10 7 4 1");
        assert_eq!(s(&[0]), "1 0");
        assert_eq!(s(&[1, 0, 5]), "");
        assert_eq!(s(&[1, 2, 3, 4]), "");
        assert_eq!(until_step(10, 0, -4).unwrap_or_default(), [10, 6, 2]);
        assert!(until_step(0, i64::MAX, 1).is_err());
    }

    #[test]
    fn float_min_max_follow_go() {
        assert_eq!(go_max(1.0, 2.5), 2.5);
        assert!(go_max(f64::NAN, 1.0).is_nan());
        assert_eq!(go_min(0.0, -0.0).to_bits(), (-0.0f64).to_bits());
    }
}
