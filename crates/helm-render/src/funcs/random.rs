//! Sprig's random-string functions (`randAlphaNum`, `randAlpha`, `randAscii`, `randNumeric`,
//! backed by Masterminds/goutils' `CryptoRandom*`) and `randInt`.
//!
//! Character sets follow goutils: `randAscii` draws from code points 32..=126, `randAlpha`
//! from ASCII letters, `randNumeric` from digits and `randAlphaNum` from both; a negative
//! length is goutils' error, which Sprig discards, so it yields "". (`shuffle` lives with the
//! string functions.)

use gotemplate::{ArgType, FuncError, FuncMap, Signature, Value};
use rand::rngs::OsRng;
use rand::Rng;

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    type CharSet = (&'static str, fn(u8) -> bool);
    let sets: [CharSet; 4] = [
        ("randAlphaNum", |c| c.is_ascii_alphanumeric()),
        ("randAlpha", |c| c.is_ascii_alphabetic()),
        ("randAscii", |c| (32..=126).contains(&c)),
        ("randNumeric", |c| c.is_ascii_digit()),
    ];
    for (name, allowed) in sets {
        m.add(name, Signature::fixed(&[ArgType::Int]), move |_, a| {
            let n = match a.first() {
                Some(Value::Int(n) | Value::Int64(n)) => *n,
                _ => 0,
            };
            if n > 1 << 30 {
                // Go cannot allocate the rune buffer either.
                return Err(FuncError::msg("runtime error: makeslice: len out of range"));
            }
            Ok(Value::from(random_string(n, allowed)))
        });
    }
    m.add(
        "randInt",
        Signature::fixed(&[ArgType::Int, ArgType::Int]),
        |_, a| {
            let get = |i: usize| match a.get(i) {
                Some(Value::Int(n) | Value::Int64(n)) => *n,
                _ => 0,
            };
            let (min, max) = (get(0), get(1));
            let span = max.wrapping_sub(min);
            if span <= 0 {
                // Go's rand.Intn panics, which the template reports as the call's error.
                return Err(FuncError::msg("invalid argument to Intn"));
            }
            Ok(Value::Int(
                rand::thread_rng().gen_range(0..span).wrapping_add(min),
            ))
        },
    );
}

/// `count` characters drawn uniformly from the bytes accepted by `allowed`, using the OS
/// random source as goutils' `CryptoRandom` does. Negative counts give "".
pub fn random_string(count: i64, allowed: fn(u8) -> bool) -> String {
    let Ok(count) = usize::try_from(count) else {
        return String::new();
    };
    let chars: Vec<char> = (0u8..=127)
        .filter(|&c| allowed(c))
        .map(char::from)
        .collect();
    if chars.is_empty() {
        return String::new();
    }
    let mut rng = OsRng;
    (0..count)
        .map(|_| chars[rng.gen_range(0..chars.len())])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_sets_and_lengths() {
        let s = random_string(200, |c| c.is_ascii_digit());
        assert_eq!(s.len(), 200);
        assert!(s.bytes().all(|c| c.is_ascii_digit()));
        let s = random_string(500, |c| (32..=126).contains(&c));
        assert!(s.bytes().all(|c| (32..=126).contains(&c)));
        assert!(random_string(-3, |c| c.is_ascii_alphabetic()).is_empty());
        assert!(random_string(0, |c| c.is_ascii_alphabetic()).is_empty());
    }
}
