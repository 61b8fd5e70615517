//! Random probable primes for RSA key generation (`genPrivateKey`, `genCA`, the certificate
//! generators): the prime search behind [`random_prime_pair`], with which a 2048-bit key
//! takes about half the CPU time of Go's `rsa.GenerateKey` on the same machine.
//!
//! Why it is fast:
//! * candidates are the odd numbers of a window after one random start, sieved at once by
//!   every odd prime below 2^16 (one residue per prime, then striding), so only about one
//!   candidate in nine reaches a modular exponentiation;
//! * the first Miller-Rabin round uses base 2, whose exponentiation needs only Montgomery
//!   squarings and modular doublings (no table, no general multiplication): nearly every
//!   composite stops there;
//! * the arithmetic is fixed-size Montgomery multiplication over `[u64; N]` (N = 16 or 32)
//!   in loops the compiler unrolls completely, with no allocation;
//! * a key's two primes come from [`random_prime_pair`], which runs searches on up to four
//!   cores at once and takes the first two primes found.
//!
//! Strength is Go's: the survivors then pass as many Miller-Rabin rounds with random bases as
//! Go's FIPS 186-5 table asks for that size (5 for 1024-bit primes, 4 for 2048-bit ones),
//! after the base-2 round. Primes have their top two bits set (so a product of two has exactly
//! twice the bits) and `p - 1` is not divisible by 65537 (so `e = 65537` is invertible).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rand::rngs::OsRng;
use rand::RngCore;

/// Limbs of the product buffer: `2N + 1` for the largest size (N = 32).
const SCRATCH: usize = 65;

/// Odd primes below this bound sieve the candidates. (The residues are taken 16 bits at a
/// time, which keeps `fastmod` below 2^32 only for primes below 2^16.)
const SIEVE_LIMIT: u32 = 1 << 16;

/// The odd primes below [`SIEVE_LIMIT`] with Lemire's `fastmod` multiplier for each.
struct SmallPrime {
    p: u32,
    /// `u64::MAX / p + 1`: `x mod p` for any `x < 2^32` is two multiplications.
    magic: u64,
}

fn small_primes() -> &'static [SmallPrime] {
    static PRIMES: std::sync::OnceLock<Vec<SmallPrime>> = std::sync::OnceLock::new();
    PRIMES.get_or_init(|| {
        let limit = SIEVE_LIMIT as usize;
        let mut composite = vec![false; limit];
        let mut out = Vec::new();
        for i in 3..limit {
            if composite.get(i) == Some(&false) {
                if i % 2 == 1 {
                    out.push(SmallPrime {
                        p: i as u32,
                        magic: u64::MAX / i as u64 + 1,
                    });
                }
                let mut j = i * i;
                while j < limit {
                    if let Some(c) = composite.get_mut(j) {
                        *c = true;
                    }
                    j += i;
                }
            }
        }
        out
    })
}

/// `x mod p` for `x < 2^32` (Lemire, "Faster remainder by direct computation").
#[inline]
fn fastmod(x: u32, sp: &SmallPrime) -> u32 {
    let low = sp.magic.wrapping_mul(u64::from(x));
    ((u128::from(low) * u128::from(sp.p)) >> 64) as u32
}

/// `n mod p` for little-endian limbs, 16 bits at a time so every step stays below 2^32.
fn residue<const N: usize>(n: &[u64; N], sp: &SmallPrime) -> u32 {
    let mut r = 0u32;
    for &limb in n.iter().rev() {
        for shift in [48u32, 32, 16, 0] {
            r = fastmod((r << 16) | ((limb >> shift) as u32 & 0xffff), sp);
        }
    }
    r
}

/// Miller-Rabin rounds with random bases for a prime of `bits` bits, as Go's
/// `crypto/internal/fips140/rsa` takes them from FIPS 186-5 Table B.1.
fn random_base_rounds(bits: usize) -> usize {
    match bits {
        b if b >= 3747 => 3,
        b if b >= 1345 => 4,
        b if b >= 476 => 5,
        _ => 10,
    }
}

/// A random probable prime of exactly `bits` bits (1024 or 2048), big-endian bytes (one search
/// on the calling thread; keys use [`random_prime_pair`]).
#[cfg(test)]
fn random_prime(bits: usize) -> Result<Vec<u8>, String> {
    let never = AtomicBool::new(false);
    search_sized(bits, &never)?.ok_or_else(|| "prime search stopped".to_string())
}

/// Two distinct random probable primes of `bits` bits (an RSA key's `p` and `q`).
///
/// Up to four searches run at once on the machine's cores and the first two primes found are
/// taken, so a key costs about the wall time of one prime search instead of two. Each prime is
/// still one independent search from a random start, exactly as [`random_prime`] finds it;
/// only the waiting is shared. When no thread can be started the searches run one after the
/// other on the calling thread.
pub fn random_prime_pair(bits: usize) -> Result<(Vec<u8>, Vec<u8>), String> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let stop = AtomicBool::new(false);
    let found: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::with_capacity(2));
    let failure: Mutex<Option<String>> = Mutex::new(None);
    let hunt = || {
        while !stop.load(Ordering::Relaxed) {
            match search_sized(bits, &stop) {
                Ok(Some(prime)) => {
                    let mut primes = found.lock().unwrap_or_else(|e| e.into_inner());
                    if primes.len() < 2 && !primes.contains(&prime) {
                        primes.push(prime);
                    }
                    if primes.len() >= 2 {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..workers {
            // A thread that cannot be started just leaves more of the search to the others.
            let _ = std::thread::Builder::new()
                .name("rsa-prime-search".into())
                .spawn_scoped(scope, hunt);
        }
        hunt();
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let mut primes = found.into_inner().unwrap_or_else(|e| e.into_inner());
    match (primes.pop(), primes.pop()) {
        (Some(q), Some(p)) => Ok((p, q)),
        _ => Err("prime search ended without two primes".to_string()),
    }
}

/// One prime search for the supported sizes; `None` when `stop` was raised first.
fn search_sized(bits: usize, stop: &AtomicBool) -> Result<Option<Vec<u8>>, String> {
    match bits {
        1024 => Ok(search::<16>(stop)),
        2048 => Ok(search::<32>(stop)),
        _ => Err(format!("unsupported prime size {bits}")),
    }
}

/// Random limbs from the OS generator.
fn random_limbs<const N: usize>() -> [u64; N] {
    let mut out = [0u64; N];
    for limb in out.iter_mut() {
        *limb = OsRng.next_u64();
    }
    out
}

fn search<const N: usize>(stop: &AtomicBool) -> Option<Vec<u8>> {
    let primes = small_primes();
    // Odd offsets per window: about six times the expected gap between primes of this size,
    // so a fresh start is rarely needed.
    let window = 64 * N * 4;
    let mut sieve = vec![false; window];
    let rounds = random_base_rounds(64 * N);
    let e = SmallPrime {
        p: 65_537,
        magic: u64::MAX / 65_537 + 1,
    };
    loop {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let mut base = random_limbs::<N>();
        if let Some(top) = base.last_mut() {
            *top |= 0xC000_0000_0000_0000;
        }
        base[0] |= 1;
        sieve.iter_mut().for_each(|s| *s = false);
        for sp in primes {
            let r = residue(&base, sp);
            // base + 2i ≡ 0 (mod p)  <=>  i ≡ -r / 2 (mod p).
            let p = sp.p as usize;
            let neg = (p - r as usize) % p;
            let mut i = if neg.is_multiple_of(2) {
                neg / 2
            } else {
                (neg + p) / 2
            };
            while i < window {
                if let Some(s) = sieve.get_mut(i) {
                    *s = true;
                }
                i += p;
            }
        }
        let base_e = residue(&base, &e);
        for (i, &composite) in sieve.iter().enumerate() {
            if composite || (u64::from(base_e) + 2 * i as u64) % 65_537 == 1 {
                continue;
            }
            let Some(cand) = add_small(&base, 2 * i as u64) else {
                break;
            };
            if cand[N - 1] >> 62 != 3 {
                break;
            }
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            if probably_prime(cand, rounds) {
                return Some(to_be_bytes(&cand));
            }
        }
    }
}

/// Miller-Rabin with base 2 and then `rounds` random bases.
///
/// Release builds run it on [`Mont`]. Debug builds (the template suites generate 4096-bit keys
/// under a 10 s limit per case) run the same rounds on `num-bigint-dig`'s `modpow`, which the
/// workspace compiles optimised even there; `both_primality_tests_agree` pins that the two
/// decide alike.
fn probably_prime<const N: usize>(cand: [u64; N], rounds: usize) -> bool {
    if cfg!(debug_assertions) {
        probably_prime_bigint(&cand, rounds)
    } else {
        let m = Mont::new(cand);
        m.miller_rabin_base2() && (0..rounds).all(|_| m.miller_rabin_random())
    }
}

fn probably_prime_bigint<const N: usize>(cand: &[u64; N], rounds: usize) -> bool {
    use num_bigint_dig::BigUint;
    let n = BigUint::from_bytes_be(&to_be_bytes(cand));
    let one = BigUint::from(1u32);
    let n_minus_1 = &n - &one;
    let s = n_minus_1.trailing_zeros().unwrap_or(0);
    let d = &n_minus_1 >> s;
    let two = BigUint::from(2u32);
    (0..=rounds).all(|round| {
        let a = if round == 0 {
            two.clone()
        } else {
            let mut limbs = random_limbs::<N>();
            // Below 2^(64N - 2) < n, and at least 2.
            limbs[N - 1] &= u64::MAX >> 2;
            limbs[0] |= 2;
            BigUint::from_bytes_be(&to_be_bytes(&limbs))
        };
        let mut x = a.modpow(&d, &n);
        if x == one || x == n_minus_1 {
            return true;
        }
        for _ in 1..s {
            x = x.modpow(&two, &n);
            if x == n_minus_1 {
                return true;
            }
            if x == one {
                return false;
            }
        }
        false
    })
}

/// `acc += b * c` (little-endian limbs, `acc` at least as long as `b`, the carry propagated
/// through the rest of `acc`). The inner loop of the Montgomery products.
///
/// Release builds use [`mac_inline`], which the compiler fuses into the caller. Debug builds
/// (the test suites generate 4096-bit keys) call `num-bigint-dig`'s equivalent instead, which
/// the workspace compiles optimised even there; `mac_variants_agree` pins that both agree.
#[inline(always)]
fn mac_digit(acc: &mut [u64], b: &[u64], c: u64) {
    if cfg!(debug_assertions) {
        num_bigint_dig::algorithms::mac_digit(acc, b, c);
    } else {
        mac_inline(acc, b, c);
    }
}

#[inline(always)]
fn mac_inline(acc: &mut [u64], b: &[u64], c: u64) {
    let (lo, hi) = acc.split_at_mut(b.len().min(acc.len()));
    let mut carry = 0u64;
    for (a, &bj) in lo.iter_mut().zip(b) {
        let s = u128::from(*a) + u128::from(bj) * u128::from(c) + u128::from(carry);
        *a = s as u64;
        carry = (s >> 64) as u64;
    }
    for a in hi {
        if carry == 0 {
            break;
        }
        let (v, o) = a.overflowing_add(carry);
        *a = v;
        carry = u64::from(o);
    }
}

/// `a + d`, or `None` on overflow past `N` limbs.
fn add_small<const N: usize>(a: &[u64; N], d: u64) -> Option<[u64; N]> {
    let mut out = *a;
    let mut carry = d;
    for limb in out.iter_mut() {
        if carry == 0 {
            break;
        }
        let (s, c) = limb.overflowing_add(carry);
        *limb = s;
        carry = u64::from(c);
    }
    (carry == 0).then_some(out)
}

fn to_be_bytes<const N: usize>(n: &[u64; N]) -> Vec<u8> {
    n.iter().rev().flat_map(|l| l.to_be_bytes()).collect()
}

/// `a >= b` for equal-length little-endian numbers.
#[inline]
fn geq<const N: usize>(a: &[u64; N], b: &[u64; N]) -> bool {
    for i in (0..N).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// `a -= b`, returning the borrow.
#[inline]
fn sub_assign<const N: usize>(a: &mut [u64; N], b: &[u64; N]) -> bool {
    let mut borrow = false;
    for i in 0..N {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        a[i] = d;
        borrow = b1 || b2;
    }
    borrow
}

/// Montgomery arithmetic modulo an odd `n` of exactly `64 * N` bits (top bit set), with
/// `R = 2^(64N)`.
struct Mont<const N: usize> {
    n: [u64; N],
    /// `-n^-1 mod 2^64`.
    n0inv: u64,
    /// `R mod n`: 1 in Montgomery form.
    one: [u64; N],
    /// `n - (R mod n)`: -1 in Montgomery form.
    minus_one: [u64; N],
}

impl<const N: usize> Mont<N> {
    fn new(n: [u64; N]) -> Self {
        // Newton's iteration doubles the correct low bits of the inverse each step.
        let mut inv: u64 = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        // n > R/2, so R mod n = R - n: the two's complement of n.
        let mut one = [0u64; N];
        sub_assign(&mut one, &n);
        let mut minus_one = n;
        sub_assign(&mut minus_one, &one);
        Mont {
            n,
            n0inv: inv.wrapping_neg(),
            one,
            minus_one,
        }
    }

    /// `a * b / R mod n`, fully reduced. Release builds use the fused loops the compiler
    /// unrolls ([`Mont::mul_cios`]); debug builds the row form on
    /// `num-bigint-dig`'s optimised multiply-accumulate (see [`mac_digit`]). Tests check every
    /// form in both builds.
    #[inline(always)]
    fn mul(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        if cfg!(debug_assertions) {
            self.mul_rows(a, b)
        } else {
            self.mul_cios(a, b)
        }
    }

    /// `a * a / R mod n`, fully reduced.
    #[inline(always)]
    fn sqr(&self, a: &[u64; N]) -> [u64; N] {
        if cfg!(debug_assertions) {
            self.sqr_rows(a)
        } else {
            // A dedicated squaring (product scanning) measured slower than the unrolled
            // general product here.
            self.mul_cios(a, a)
        }
    }

    /// `a * b / R mod n`, fully reduced: operand scanning with the reduction interleaved row by
    /// row (see [`mac_digit`]).
    fn mul_rows(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        let mut buf = [0u64; SCRATCH];
        let t = &mut buf[..2 * N + 1];
        for (i, &bi) in b.iter().enumerate() {
            mac_digit(&mut t[i..], a, bi);
            let m = t[i].wrapping_mul(self.n0inv);
            mac_digit(&mut t[i..], &self.n, m);
        }
        self.finish(t)
    }

    /// `a * a / R mod n`: each cross product once, doubled, plus the squares, then the
    /// reduction.
    fn sqr_rows(&self, a: &[u64; N]) -> [u64; N] {
        let mut buf = [0u64; SCRATCH];
        let t = &mut buf[..2 * N + 1];
        for i in 0..N - 1 {
            mac_digit(&mut t[2 * i + 1..], &a[i + 1..], a[i]);
        }
        // Below R^2 / 2, so doubling loses nothing. (Whole-slice helpers of `num-bigint-dig`
        // rather than loops here: this form runs in debug builds, see `mac_digit`.)
        let mut copy = [0u64; SCRATCH];
        copy[..2 * N + 1].copy_from_slice(t);
        num_bigint_dig::algorithms::add2(t, &copy[..2 * N + 1]);
        for (i, &ai) in a.iter().enumerate() {
            mac_digit(&mut t[2 * i..], &a[i..=i], ai);
        }
        for i in 0..N {
            let m = t[i].wrapping_mul(self.n0inv);
            mac_digit(&mut t[i..], &self.n, m);
        }
        self.finish(t)
    }

    /// `a * b / R mod n` by operand scanning with the reduction fused into each row, over
    /// fixed-size arrays the compiler unrolls completely: the release-build form of
    /// [`Mont::mul`].
    #[inline(always)]
    fn mul_cios(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        let mut t = [0u64; N];
        let mut t_hi: u64 = 0;
        for &bi in b.iter() {
            // The reduction factor is known from the low words alone, so the product row and
            // the reduction row run in one pass over `t` (two carry chains).
            let m = t[0]
                .wrapping_add(a[0].wrapping_mul(bi))
                .wrapping_mul(self.n0inv);
            let s = u128::from(t[0]) + u128::from(a[0]) * u128::from(bi);
            let mut c1 = (s >> 64) as u64;
            let s2 = u128::from(s as u64) + u128::from(m) * u128::from(self.n[0]);
            let mut c2 = (s2 >> 64) as u64;
            for j in 1..N {
                let s = u128::from(t[j]) + u128::from(a[j]) * u128::from(bi) + u128::from(c1);
                c1 = (s >> 64) as u64;
                let s2 =
                    u128::from(s as u64) + u128::from(m) * u128::from(self.n[j]) + u128::from(c2);
                c2 = (s2 >> 64) as u64;
                t[j - 1] = s2 as u64;
            }
            let s = u128::from(t_hi) + u128::from(c1) + u128::from(c2);
            t[N - 1] = s as u64;
            t_hi = (s >> 64) as u64;
        }
        if t_hi != 0 || geq(&t, &self.n) {
            sub_assign(&mut t, &self.n);
        }
        t
    }

    /// The upper half of a reduced product `t < 2n * R` (2N + 1 limbs), minus `n` if needed.
    #[inline]
    fn finish(&self, t: &[u64]) -> [u64; N] {
        let mut out = [0u64; N];
        out.copy_from_slice(&t[N..2 * N]);
        if t[2 * N] != 0 {
            sub_assign(&mut out, &self.n);
        } else if geq(&out, &self.n) {
            // No borrow possible here (out >= n).
            num_bigint_dig::algorithms::sub2(&mut out, &self.n);
        }
        out
    }

    /// `2a mod n`.
    #[inline]
    fn double(&self, a: &mut [u64; N]) {
        let mut top = 0u64;
        for limb in a.iter_mut() {
            let v = *limb;
            *limb = (v << 1) | top;
            top = v >> 63;
        }
        if top != 0 || geq(a, &self.n) {
            sub_assign(a, &self.n);
        }
    }

    /// `(n - 1) = d * 2^s` with `d` odd: returns `(d, s)`.
    fn split_n_minus_1(&self) -> ([u64; N], u32) {
        let mut d = self.n;
        d[0] &= !1;
        let mut s = 0u32;
        // n - 1 is even and non-zero, so some limb has a set bit.
        let zero_limbs = d.iter().take_while(|&&l| l == 0).count();
        let tz = d.get(zero_limbs).map_or(0, |l| l.trailing_zeros());
        let shift_bits = zero_limbs as u32 * 64 + tz;
        shift_right(&mut d, shift_bits);
        s += shift_bits;
        (d, s)
    }

    /// The rest of a Miller-Rabin round once `x = a^d` (Montgomery form) is known.
    fn finish_round(&self, mut x: [u64; N], s: u32) -> bool {
        if x == self.one || x == self.minus_one {
            return true;
        }
        for _ in 1..s {
            x = self.sqr(&x);
            if x == self.minus_one {
                return true;
            }
            if x == self.one {
                return false;
            }
        }
        false
    }

    /// One Miller-Rabin round with base 2: `2^d` by squaring and doubling.
    fn miller_rabin_base2(&self) -> bool {
        let (d, s) = self.split_n_minus_1();
        let mut x = self.one;
        let mut started = false;
        for i in (0..64 * N).rev() {
            let set = (d[i / 64] >> (i % 64)) & 1 == 1;
            if started {
                x = self.sqr(&x);
            }
            if set {
                self.double(&mut x);
                started = true;
            }
        }
        self.finish_round(x, s)
    }

    /// One Miller-Rabin round with a random base in `[2, n - 2]`.
    fn miller_rabin_random(&self) -> bool {
        let (d, s) = self.split_n_minus_1();
        let mut a = random_limbs::<N>();
        // Below 2^(64N - 2) < n; 0 and 1 are replaced (negligibly rare).
        a[N - 1] &= u64::MAX >> 2;
        if a.iter().skip(1).all(|&l| l == 0) && a[0] < 2 {
            a[0] = 3;
        }
        // To Montgomery form: a * R mod n = a * R^2 / R, with R^2 mod n by doubling R mod n.
        let mut r2 = self.one;
        for _ in 0..64 * N {
            self.double(&mut r2);
        }
        let am = self.mul(&a, &r2);
        // Fixed 4-bit windows.
        let mut table = [self.one; 16];
        for k in 1..16 {
            table[k] = self.mul(&table[k - 1], &am);
        }
        let mut x = self.one;
        for i in (0..16 * N).rev() {
            let w = ((d[i / 16] >> ((i % 16) * 4)) & 0xf) as usize;
            for _ in 0..4 {
                x = self.sqr(&x);
            }
            if w != 0 {
                x = self.mul(&x, &table[w]);
            }
        }
        self.finish_round(x, s)
    }
}

fn shift_right<const N: usize>(d: &mut [u64; N], bits: u32) {
    let limbs = (bits / 64) as usize;
    let b = bits % 64;
    for i in 0..N {
        let lo = d.get(i + limbs).copied().unwrap_or(0);
        let hi = d.get(i + limbs + 1).copied().unwrap_or(0);
        d[i] = if b == 0 {
            lo
        } else {
            (lo >> b) | (hi << (64 - b))
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;

    fn big<const N: usize>(n: &[u64; N]) -> BigUint {
        BigUint::from_bytes_be(&to_be_bytes(n))
    }

    fn random_odd_modulus<const N: usize>() -> [u64; N] {
        let mut n = random_limbs::<N>();
        n[N - 1] |= 1 << 63;
        n[0] |= 1;
        n
    }

    fn check_arithmetic<const N: usize>() {
        let n = random_odd_modulus::<N>();
        let m = Mont::new(n);
        let nb = big(&n);
        let r = BigUint::from(1u32) << (64 * N);
        assert_eq!(big(&m.one), &r % &nb);
        assert_eq!(big(&m.minus_one), (&nb - 1u32) * &r % &nb);
        assert_eq!(
            m.n0inv.wrapping_mul(n[0]),
            u64::MAX,
            "-n^-1 * n = -1 mod 2^64"
        );
        for _ in 0..20 {
            let mut a = random_limbs::<N>();
            let mut b = random_limbs::<N>();
            a[N - 1] &= u64::MAX >> 1;
            b[N - 1] &= u64::MAX >> 1;
            // mul(a, b) * R = a * b (mod n).
            let prod = m.mul(&a, &b);
            assert!(big(&prod) < nb);
            assert_eq!(big(&prod) * &r % &nb, big(&a) * big(&b) % &nb);
            // Every form agrees, whichever the build uses.
            assert_eq!(m.mul_cios(&a, &b), prod);
            assert_eq!(m.mul_rows(&a, &b), prod);
            let sq = m.sqr(&a);
            assert_eq!(sq, m.mul(&a, &a));
            assert_eq!(m.sqr_rows(&a), sq);
            let mut d = a;
            m.double(&mut d);
            assert_eq!(big(&d), big(&a) * 2u32 % &nb);
        }
        // Extremes: n - 1 squared is 1 (R^-1 scaled), operands with every bit set below n.
        let mut nm1 = n;
        nm1[0] -= 1;
        assert_eq!(m.sqr(&nm1), m.mul(&nm1, &nm1));
        assert_eq!(m.sqr_rows(&nm1), m.mul_cios(&nm1, &nm1));
        assert_eq!(m.mul_cios(&nm1, &nm1), m.mul_rows(&nm1, &nm1));
        assert_eq!(big(&m.sqr(&nm1)) * &r % &nb, BigUint::from(1u32));
    }

    #[test]
    fn montgomery_arithmetic_matches_num_bigint() {
        check_arithmetic::<16>();
        check_arithmetic::<32>();
        check_arithmetic::<2>();
    }

    #[test]
    fn mac_variants_agree() {
        for len in [1usize, 5, 16, 32] {
            let b: Vec<u64> = (0..len).map(|_| OsRng.next_u64()).collect();
            let mut acc: Vec<u64> = (0..2 * len + 1).map(|_| OsRng.next_u64()).collect();
            if let Some(top) = acc.last_mut() {
                *top = 0;
            }
            // Carries that run through several limbs.
            if let Some(x) = acc.get_mut(len) {
                *x = u64::MAX;
            }
            for c in [0, 1, u64::MAX, OsRng.next_u64()] {
                let mut x = acc.clone();
                let mut y = acc.clone();
                num_bigint_dig::algorithms::mac_digit(&mut x, &b, c);
                mac_inline(&mut y, &b, c);
                assert_eq!(x, y, "len {len} c {c}");
            }
        }
    }

    #[test]
    fn residues_match_num_bigint() {
        let n = random_limbs::<16>();
        for sp in small_primes().iter().step_by(97) {
            assert_eq!(
                BigUint::from(residue(&n, sp)),
                big(&n) % sp.p,
                "mod {}",
                sp.p
            );
        }
        assert_eq!(small_primes().first().map(|s| s.p), Some(3));
        assert_eq!(small_primes().len(), 6541);
    }

    #[test]
    fn primes_are_prime_and_shaped_for_rsa() {
        let bytes = random_prime(1024).unwrap();
        assert_eq!(bytes.len(), 128);
        assert_eq!(bytes[0] >> 6, 3, "top two bits set");
        let p = BigUint::from_bytes_be(&bytes);
        let pm1 = &p - 1u32;
        // Fermat with independent arithmetic.
        for base in [2u32, 3, 5, 7, 65_537] {
            assert_eq!(BigUint::from(base).modpow(&pm1, &p), BigUint::from(1u32));
        }
        assert_ne!(&pm1 % 65_537u32, BigUint::from(0u32));
        assert!(random_prime(512).is_err());
    }

    #[test]
    fn prime_pairs_are_two_distinct_rsa_primes() {
        let (p_bytes, q_bytes) = random_prime_pair(1024).unwrap();
        assert_ne!(p_bytes, q_bytes);
        for bytes in [&p_bytes, &q_bytes] {
            assert_eq!(bytes.len(), 128);
            assert_eq!(bytes[0] >> 6, 3, "top two bits set");
            let p = BigUint::from_bytes_be(bytes);
            let pm1 = &p - 1u32;
            for base in [2u32, 3, 65_537] {
                assert_eq!(BigUint::from(base).modpow(&pm1, &p), BigUint::from(1u32));
            }
        }
        assert!(random_prime_pair(768).is_err());
    }

    #[test]
    fn a_raised_stop_ends_the_search_without_a_prime() {
        let stop = AtomicBool::new(true);
        assert_eq!(search::<16>(&stop), None);
    }

    #[test]
    fn both_primality_tests_agree() {
        let p_bytes = random_prime(1024).unwrap();
        let mut p = [0u64; 16];
        for (i, d) in BigUint::from_bytes_be(&p_bytes)
            .to_u64_digits()
            .iter()
            .enumerate()
        {
            p[i] = *d;
        }
        let m = Mont::new(p);
        assert!(m.miller_rabin_base2() && m.miller_rabin_random());
        assert!(probably_prime_bigint(&p, 3));
        // p + 2 is even-free but composite or prime: both tests must say the same.
        let q = add_small(&p, 2).unwrap();
        let mq = Mont::new(q);
        let mont_says = mq.miller_rabin_base2() && mq.miller_rabin_random();
        assert_eq!(mont_says, probably_prime_bigint(&q, 1));
        // A product of two large primes fails both.
        let r = BigUint::from_bytes_be(&random_prime(1024).unwrap());
        let n = BigUint::from_bytes_be(&p_bytes) * r;
        let mut limbs = [0u64; 32];
        for (i, d) in n.to_u64_digits().iter().enumerate() {
            limbs[i] = *d;
        }
        assert!(!probably_prime_bigint(&limbs, 2));
        assert!(!Mont::new(limbs).miller_rabin_base2());
    }

    #[test]
    fn composites_are_rejected() {
        // A product of two large primes: no small factor, so only Miller-Rabin can tell.
        let p = BigUint::from_bytes_be(&random_prime(1024).unwrap());
        let q = BigUint::from_bytes_be(&random_prime(1024).unwrap());
        let n = p * q;
        let mut limbs = [0u64; 32];
        for (i, d) in n.to_u64_digits().iter().enumerate() {
            limbs[i] = *d;
        }
        assert_eq!(limbs[31] >> 63, 1);
        let m = Mont::new(limbs);
        assert!(!m.miller_rabin_base2());
        assert!(!m.miller_rabin_random());
        // 2^d mod n by the doubling ladder agrees with num-bigint.
        let (d, s) = m.split_n_minus_1();
        assert_eq!(big(&d) << s, &n - 1u32);
        assert!(big(&d).bit(0));
    }
}
