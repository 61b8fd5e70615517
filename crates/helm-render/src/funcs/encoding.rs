//! Sprig's encoding and checksum functions: `b64enc`/`b64dec`, `b32enc`/`b32dec`, `sha1sum`,
//! `sha256sum`, `sha512sum` and `adler32sum`.
//!
//! The base64/base32 codecs are written here rather than taken from a crate because Sprig's
//! decoders return Go's error text in place of the data (`illegal base64 data at input byte 3`),
//! and the byte offset in that text follows the exact walk of Go's `encoding/base64` and
//! `encoding/base32` decoders (newlines skipped, padding rules).

use gotemplate::{ArgType, FuncMap, Signature, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

const B64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    let s1 = || Signature::fixed(&[ArgType::String]);
    m.add("b64enc", s1(), |_, a| {
        Ok(Value::from(b64_encode(arg_str(a, 0).as_bytes())))
    });
    m.add("b64dec", s1(), |_, a| {
        Ok(match b64_decode(arg_str(a, 0).as_bytes()) {
            Ok(b) => decoded_string(b),
            Err(off) => Value::from(format!("illegal base64 data at input byte {off}")),
        })
    });
    m.add("b32enc", s1(), |_, a| {
        Ok(Value::from(b32_encode(arg_str(a, 0).as_bytes())))
    });
    m.add("b32dec", s1(), |_, a| {
        Ok(match b32_decode(arg_str(a, 0).as_bytes()) {
            Ok(b) => decoded_string(b),
            Err(off) => Value::from(format!("illegal base32 data at input byte {off}")),
        })
    });
    m.add("sha1sum", s1(), |_, a| {
        Ok(Value::from(hex(&Sha1::digest(arg_str(a, 0).as_bytes()))))
    });
    m.add("sha256sum", s1(), |_, a| {
        Ok(Value::from(hex(&Sha256::digest(arg_str(a, 0).as_bytes()))))
    });
    m.add("sha512sum", s1(), |_, a| {
        Ok(Value::from(hex(&Sha512::digest(arg_str(a, 0).as_bytes()))))
    });
    m.add("adler32sum", s1(), |_, a| {
        Ok(Value::from(adler32(arg_str(a, 0).as_bytes()).to_string()))
    });
}

/// The string argument at `i` (the executor has already converted it; missing means "").
pub(crate) fn arg_str(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

/// Go's `string(bytes)` for decoded data. Text stays a string; bytes that are not UTF-8
/// cannot live in our strings, so they stay a byte slice, which keeps `len` and re-encoding
/// byte-exact (printing such data differs from Go, which writes the raw bytes).
fn decoded_string(b: Vec<u8>) -> Value {
    match String::from_utf8(b) {
        Ok(s) => Value::from(s),
        Err(e) => Value::Bytes(e.into_bytes().into()),
    }
}

/// Go's `string(bytes)`: our strings must be UTF-8, so invalid sequences become U+FFFD.
pub(crate) fn go_string(b: Vec<u8>) -> String {
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Lower-case hex, as Go's `hex.EncodeToString`.
pub(crate) fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(char::from(DIGITS[usize::from(x >> 4)]));
        s.push(char::from(DIGITS[usize::from(x & 15)]));
    }
    s
}

/// Adler-32 checksum (Go's `hash/adler32.Checksum`).
pub(crate) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 is the largest n for which the sums cannot overflow u32 before reduction.
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Standard base64 with padding (Go's `base64.StdEncoding.EncodeToString`).
pub fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let v = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sym = |shift: u32| char::from(B64_ALPHABET[((v >> shift) & 63) as usize]);
        out.push(sym(18));
        out.push(sym(12));
        out.push(if chunk.len() > 1 { sym(6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(0) } else { '=' });
    }
    out
}

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

fn is_nl(c: u8) -> bool {
    c == b'\n' || c == b'\r'
}

/// Decodes standard padded base64 as Go's `base64.StdEncoding.DecodeString` does (`\r`/`\n`
/// ignored, non-strict trailing bits). The error is Go's `CorruptInputError` offset.
pub fn b64_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0usize;
    while si < src.len() {
        // One quantum: up to four symbols, mirroring Go's decodeQuantum.
        let mut dbuf = [0u8; 4];
        let mut dlen = 4usize;
        let mut j = 0usize;
        let mut trailing_err = None;
        while j < 4 {
            let Some(&c) = src.get(si) else {
                if j == 0 {
                    return Ok(out);
                }
                return Err(si - j);
            };
            si += 1;
            if let Some(v) = b64_value(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if is_nl(c) {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while src.get(si).is_some_and(|&c| is_nl(c)) {
                        si += 1;
                    }
                    match src.get(si) {
                        None => return Err(src.len()),
                        Some(&b'=') => si += 1,
                        Some(_) => return Err(si - 1),
                    }
                }
                _ => {}
            }
            while src.get(si).is_some_and(|&c| is_nl(c)) {
                si += 1;
            }
            if si < src.len() {
                trailing_err = Some(si);
            }
            dlen = j;
            break;
        }
        let val = (u32::from(dbuf[0]) << 18)
            | (u32::from(dbuf[1]) << 12)
            | (u32::from(dbuf[2]) << 6)
            | u32::from(dbuf[3]);
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen.saturating_sub(1)]);
        if let Some(e) = trailing_err {
            return Err(e);
        }
    }
    Ok(out)
}

/// Standard base32 with padding (Go's `base32.StdEncoding.EncodeToString`).
pub fn b32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let v = block.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        // Symbols carrying at least one input bit; the rest of the 8 are padding.
        let used = (chunk.len() * 8).div_ceil(5);
        for k in 0..8 {
            if k < used {
                let idx = ((v >> (35 - 5 * k)) & 31) as usize;
                out.push(char::from(B32_ALPHABET[idx]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b32_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

/// Decodes standard padded base32 as Go's `base32.StdEncoding.DecodeString` does: newlines are
/// stripped first and error offsets refer to the stripped input.
pub fn b32_decode(input: &[u8]) -> Result<Vec<u8>, usize> {
    let src: Vec<u8> = input.iter().copied().filter(|&c| !is_nl(c)).collect();
    let olen = src.len();
    let mut out = Vec::with_capacity(olen / 8 * 5);
    let mut pos = 0usize; // consumed bytes of src
    let mut end = false;
    while pos < olen && !end {
        let mut dbuf = [0u8; 8];
        let mut dlen = 8usize;
        let mut j = 0usize;
        while j < 8 {
            let rest = olen - pos;
            let Some(&c) = src.get(pos) else {
                return Err(olen - rest - j);
            };
            pos += 1;
            let rest = olen - pos;
            if c == b'=' && j >= 2 && rest < 8 {
                if rest + j < 7 {
                    return Err(olen);
                }
                for k in 0..(7 - j) {
                    if src.get(pos + k).is_some_and(|&p| p != b'=') {
                        return Err(olen - rest + k - 1);
                    }
                }
                dlen = j;
                end = true;
                if matches!(dlen, 1 | 3 | 6) {
                    return Err(olen - rest - 1);
                }
                break;
            }
            match b32_value(c) {
                Some(v) => dbuf[j] = v,
                None => return Err(olen - rest - 1),
            }
            j += 1;
        }
        let d = &dbuf;
        let bytes = [
            (d[0] << 3) | (d[1] >> 2),
            (d[1] << 6) | (d[2] << 1) | (d[3] >> 4),
            (d[3] << 4) | (d[4] >> 1),
            (d[4] << 7) | (d[5] << 2) | (d[6] >> 3),
            (d[6] << 5) | d[7],
        ];
        let n = match dlen {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            _ => 0,
        };
        out.extend_from_slice(&bytes[..n]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_matches_go() {
        assert_eq!(b64_encode(b"hello"), "aGVsbG8=");
        assert_eq!(b64_encode("é✓".as_bytes()), "w6ninJM=");
        assert_eq!(b64_encode(b"ab?>"), "YWI/Pg==");
        assert_eq!(b64_decode(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(b64_decode(b"aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(b64_decode(b"").unwrap(), b"");
    }

    #[test]
    fn base64_error_offsets_match_go() {
        assert_eq!(b64_decode(b"not base64!"), Err(3));
        assert_eq!(b64_decode(b"aGVsbG8"), Err(4));
        assert_eq!(b64_decode(b"YQ="), Err(3));
        assert_eq!(b64_decode(b"YQ==x"), Err(4));
        assert_eq!(b64_decode(b"!!!"), Err(0));
    }

    #[test]
    fn base32_matches_go() {
        assert_eq!(b32_encode(b"hello"), "NBSWY3DP");
        assert_eq!(b32_encode(b"a"), "ME======");
        assert_eq!(b32_encode(b"abcdef"), "MFRGGZDFMY======");
        assert_eq!(b32_decode(b"ME======").unwrap(), b"a");
        assert_eq!(b32_decode(b"MFRGGZDFMY======").unwrap(), b"abcdef");
        assert_eq!(b32_decode(b"NBSWY3D"), Err(0));
        assert_eq!(b32_decode(b"nbswy3dp"), Err(0));
        assert!(b32_decode(b"ME=====").is_err());
    }

    #[test]
    fn checksums_match_go() {
        assert_eq!(adler32(b"hello"), 103547413);
        assert_eq!(adler32(b""), 1);
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
        assert_eq!(
            hex(&Sha1::digest(b"hello")),
            "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
        );
    }
}
