//! A small seeded generator (SplitMix64), so that `--seed S` reproduces a run exactly.

/// SplitMix64: fast, seedable, and good enough to pick test inputs.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// Uniform in `0..n` (0 when `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// One element of `items` (which must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A u32 biased to the edges around `size`: 0, 1, size - 1, size, size + 1, u32::MAX and around
    /// it, `DYNPTR_MAX_SIZE` and around it, or uniform in `0..=bound`.
    pub fn edgy_u32(&mut self, size: u32, bound: u32) -> u32 {
        const MAX: u32 = (1 << 24) - 1;
        match self.below(12) {
            0 => 0,
            1 => 1,
            2 => size.wrapping_sub(1),
            3 => size,
            4 => size.wrapping_add(1),
            5 => u32::MAX - self.below(3) as u32,
            6 => MAX - 1 + self.below(3) as u32,
            7 => size / 2,
            _ => self.below(u64::from(bound) + 1) as u32,
        }
    }
}
