//! The RSA public operation, `s^e mod n`, for the keys and hashes ring does
//! not take (512-bit moduli, MD5 and SHA-224 signatures of older scans).
//!
//! Self-signed device certificates of 2015 are mostly MD5 over 1024-bit
//! keys, one per host, so a scan checks tens of thousands of them. The
//! `rsa` crate's general big integers took 60–80 µs per check; Montgomery
//! multiplication on fixed 64-bit limbs with a public exponent of at most
//! 64 bits takes a few.
//!
//! Nothing here is secret (public key, public signature), so the code need
//! not run in constant time.

/// `base^exponent mod modulus` for big-endian byte strings, as
/// `modulus.len()` big-endian bytes. `None` when the modulus is even, zero
/// or one, or `base` is not below it (a signature must be, RFC 8017
/// §5.2.2).
pub fn modpow(base: &[u8], exponent: u64, modulus: &[u8]) -> Option<Vec<u8>> {
    let n = limbs(modulus);
    let s = limbs(base);
    let odd = n.first().is_some_and(|l| l & 1 == 1);
    if !odd || n.iter().skip(1).all(|&l| l == 0) && n[0] == 1 {
        return None;
    }
    let width = n.len();
    let s = fit(&s, width)?;
    if !less(&s, &n) {
        return None;
    }
    let m = Montgomery::new(n);
    let base_m = m.mul(&s, &m.r_squared);
    let mut acc = base_m.clone();
    if exponent == 0 {
        acc = m.mul(&m.r_squared, &one(width));
    } else {
        for bit in (0..63 - exponent.leading_zeros()).rev() {
            acc = m.mul(&acc, &acc);
            if exponent >> bit & 1 == 1 {
                acc = m.mul(&acc, &base_m);
            }
        }
    }
    let plain = m.mul(&acc, &one(width));
    Some(to_bytes(&plain, modulus.len()))
}

/// Little-endian 64-bit limbs of a big-endian byte string, without high
/// zero limbs (at least one limb).
fn limbs(bytes: &[u8]) -> Vec<u64> {
    let mut out: Vec<u64> = bytes
        .rchunks(8)
        .map(|chunk| chunk.iter().fold(0u64, |v, &b| v << 8 | u64::from(b)))
        .collect();
    while out.len() > 1 && out.last() == Some(&0) {
        out.pop();
    }
    if out.is_empty() {
        out.push(0);
    }
    out
}

/// `x` widened to `width` limbs; `None` when it needs more.
fn fit(x: &[u64], width: usize) -> Option<Vec<u64>> {
    if x.len() > width {
        return None;
    }
    let mut out = x.to_vec();
    out.resize(width, 0);
    Some(out)
}

fn one(width: usize) -> Vec<u64> {
    let mut out = vec![0; width];
    out[0] = 1;
    out
}

/// `a < b` for numbers of the same width.
fn less(a: &[u64], b: &[u64]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// `a -= b` for numbers of the same width; the borrow out.
fn sub_in_place(a: &mut [u64], b: &[u64]) -> bool {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        *x = d;
        borrow = b1 || b2;
    }
    borrow
}

fn to_bytes(x: &[u64], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for (i, byte) in out.iter_mut().rev().enumerate() {
        *byte = x.get(i / 8).map_or(0, |l| (l >> (8 * (i % 8))) as u8);
    }
    out
}

/// Montgomery arithmetic modulo an odd `n` with `R = 2^(64·width)`.
struct Montgomery {
    n: Vec<u64>,
    /// `-n⁻¹ mod 2^64`.
    n0_inv: u64,
    /// `R² mod n`, which takes a number into Montgomery form.
    r_squared: Vec<u64>,
}

impl Montgomery {
    fn new(n: Vec<u64>) -> Self {
        // Newton's iteration doubles the correct low bits of n⁻¹ each step:
        // 1 → 2 → … → 64 (n is odd, so n·1 ≡ 1 mod 2 to start).
        let mut inv: u64 = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        let mut m = Montgomery {
            n0_inv: inv.wrapping_neg(),
            n,
            r_squared: Vec::new(),
        };
        m.r_squared = m.r_squared_mod();
        m
    }

    /// `R² mod n`: doubling takes `2^(bits(n)−1)` to `2·R mod n`, the
    /// Montgomery form of 2, whose power `64·width` in Montgomery form is
    /// `2^(64·width)·R = R²`. A dozen products instead of `128·width`
    /// doublings (which took most of a 1024-bit check).
    fn r_squared_mod(&self) -> Vec<u64> {
        let n = &self.n;
        let width = n.len();
        let bits = 64 * width - n[width - 1].leading_zeros() as usize;
        let mut two = vec![0u64; width];
        two[(bits - 1) / 64] = 1 << ((bits - 1) % 64);
        for _ in 0..64 * width - bits + 2 {
            double_mod(&mut two, n);
        }
        let exponent = 64 * width as u64;
        let mut acc = two.clone();
        for bit in (0..63 - exponent.leading_zeros()).rev() {
            acc = self.mul(&acc, &acc);
            if exponent >> bit & 1 == 1 {
                acc = self.mul(&acc, &two);
            }
        }
        acc
    }

    /// `a·b·R⁻¹ mod n` for `a, b < n` (coarsely integrated operand scanning).
    fn mul(&self, a: &[u64], b: &[u64]) -> Vec<u64> {
        let width = self.n.len();
        let mut t = vec![0u64; width + 2];
        for &bi in b {
            let mut carry = 0u128;
            for (tj, &aj) in t.iter_mut().zip(a) {
                let v = u128::from(*tj) + u128::from(aj) * u128::from(bi) + carry;
                *tj = v as u64;
                carry = v >> 64;
            }
            let v = u128::from(t[width]) + carry;
            t[width] = v as u64;
            t[width + 1] = (v >> 64) as u64;

            let m = t[0].wrapping_mul(self.n0_inv);
            let mut carry = (u128::from(t[0]) + u128::from(m) * u128::from(self.n[0])) >> 64;
            for j in 1..width {
                let v = u128::from(t[j]) + u128::from(m) * u128::from(self.n[j]) + carry;
                t[j - 1] = v as u64;
                carry = v >> 64;
            }
            let v = u128::from(t[width]) + carry;
            t[width - 1] = v as u64;
            t[width] = t[width + 1] + (v >> 64) as u64;
        }
        let high = t[width] != 0;
        t.truncate(width);
        if high || !less(&t, &self.n) {
            sub_in_place(&mut t, &self.n);
        }
        t
    }
}

/// `x = 2·x mod n` for `x < n`.
fn double_mod(x: &mut [u64], n: &[u64]) {
    let width = n.len();
    let carry = x[width - 1] >> 63;
    for i in (1..width).rev() {
        x[i] = x[i] << 1 | x[i - 1] >> 63;
    }
    x[0] <<= 1;
    if carry == 1 || !less(x, n) {
        sub_in_place(x, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Square-and-multiply with `u128`, for moduli below 2^64.
    fn small_modpow(base: u64, exponent: u64, modulus: u64) -> u64 {
        let (mut acc, mut b, m) = (1u128, u128::from(base), u128::from(modulus));
        let mut e = exponent;
        while e > 0 {
            if e & 1 == 1 {
                acc = acc * b % m;
            }
            b = b * b % m;
            e >>= 1;
        }
        (acc % m) as u64
    }

    #[test]
    fn agrees_with_machine_arithmetic_on_one_limb() {
        let moduli = [
            3u64,
            0xffff_ffff_ffff_ffc5,
            0x8000_0000_0000_001d,
            1_000_003,
        ];
        for &n in &moduli {
            for &s in &[0u64, 1, 2, n - 1, n / 2, 0x1234_5678 % n] {
                for &e in &[0u64, 1, 2, 3, 17, 65537, u64::MAX] {
                    let got = modpow(&s.to_be_bytes(), e, &n.to_be_bytes()).unwrap();
                    assert_eq!(got, small_modpow(s, e, n).to_be_bytes(), "{s}^{e} mod {n}");
                }
            }
        }
    }

    #[test]
    fn agrees_with_the_rsa_crate_on_wide_moduli_of_any_bit_length() {
        use rsa::BigUint;
        // Moduli of 1 to 5 limbs whose top limb is full, half full or
        // nearly empty: the doubling count and the exponent's bits differ.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for width in 1..=5 {
            for top_bits in [64u32, 33, 2] {
                let mut n: Vec<u8> = (0..8 * width).map(|_| next() as u8).collect();
                n[0] |= 0x80;
                let shift = 64 - top_bits;
                for _ in 0..shift {
                    n = n
                        .iter()
                        .scan(0u8, |carry, &b| {
                            let out = b >> 1 | *carry << 7;
                            *carry = b & 1;
                            Some(out)
                        })
                        .collect();
                }
                *n.last_mut().unwrap() |= 1;
                let s: Vec<u8> = n.iter().map(|b| b / 3).collect();
                for e in [3u64, 65537, 0xffff_ffff] {
                    let want = BigUint::from_bytes_be(&s)
                        .modpow(&BigUint::from(e), &BigUint::from_bytes_be(&n));
                    let got = modpow(&s, e, &n).unwrap();
                    assert_eq!(
                        BigUint::from_bytes_be(&got),
                        want,
                        "width {width}, top {top_bits}, e {e}"
                    );
                }
            }
        }
    }

    #[test]
    fn refuses_even_moduli_and_bases_not_below_the_modulus() {
        assert_eq!(modpow(&[2], 3, &[10]), None);
        assert_eq!(modpow(&[1], 3, &[1]), None);
        assert_eq!(modpow(&[7], 3, &[7]), None);
        assert_eq!(modpow(&[1, 0], 3, &[0xff]), None);
    }
}
