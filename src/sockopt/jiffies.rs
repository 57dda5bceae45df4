//! Time unit conversions the `TCP_*` time options go through (`include/linux/jiffies.h`, `kernel/time/time.c`).

/// `usecs_to_jiffies()`, rounding up. Kernel: include/linux/jiffies.h; exact for `HZ` dividing 1 000 000
/// (100, 250, 1000); other `HZ` values use the same round-up on exact rationals. Values beyond
/// `jiffies_to_usecs(MAX_JIFFY_OFFSET)` saturate in the kernel; both are far above any bound checked here.
pub fn usecs_to_jiffies(us: u32, hz: u32) -> u64 {
    (u64::from(us) * u64::from(hz.max(1))).div_ceil(1_000_000)
}

/// `jiffies_to_usecs()`: `j × (1 000 000 / HZ)`, returned as the kernel's `unsigned int`.
pub fn jiffies_to_usecs(j: u64, hz: u32) -> u32 {
    (j.wrapping_mul(1_000_000) / u64::from(hz.max(1))) as u32
}

/// `msecs_to_jiffies()`, rounding up.
pub fn msecs_to_jiffies(ms: u32, hz: u32) -> u64 {
    (u64::from(ms) * u64::from(hz.max(1))).div_ceil(1000)
}

/// `jiffies_to_msecs()`: `j × (1000 / HZ)` for `HZ` dividing 1000, rounded up otherwise.
pub fn jiffies_to_msecs(j: u64, hz: u32) -> u32 {
    j.wrapping_mul(1000).div_ceil(u64::from(hz.max(1))) as u32
}
