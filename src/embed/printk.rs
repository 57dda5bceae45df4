//! `bpf_trace_printk()`'s format check and formatting, as far as the environment renders it.
//!
//! Kernel: `kernel/trace/bpf_trace.c`, `bpf_trace_printk()`, and `kernel/bpf/helpers.c`,
//! `bpf_bprintf_prepare()`. Checks, in order: the format must hold a NUL within `fmt_size`, else
//! `EINVAL`; scanning it, every byte must be printable ASCII or space, else `EINVAL`; `%%` is a percent
//! sign; every other `%` starts a conversion, and one beyond the third argument is `EINVAL`; a conversion
//! is `[0 +-]*` flags, an optional width, then `p...`, `s`, `c`, or `l`/`ll` and one of `i d u x X`;
//! anything else is `EINVAL`. The helper returns the length of the formatted text (at most 1023 bytes)
//! and the text goes to the trace buffer.
//!
//! The environment renders `%s`, `%c` and the integer conversions; `%p` in all its forms prints hashed or
//! kernel pointers in the kernel and is answered `EINVAL` here (named in the crate's docs as not modelled).

use crate::Errno;

/// `MAX_BPF_TRACE_PRINTK_SIZE`: the buffer the text is formatted into, NUL included.
const MAX_PRINTK: usize = 1024;

/// Formats `fmt` (the program's `fmt_size` bytes) with `args`; `string` reads a `%s` argument.
pub(super) fn format(fmt: &[u8], args: [u64; 3], mut string: impl FnMut(u64) -> Vec<u8>) -> Result<String, Errno> {
    let end = fmt.iter().position(|&b| b == 0).ok_or(Errno::EINVAL)?;
    let fmt = &fmt[..end];
    let mut out = Vec::new();
    let mut n = 0usize;
    let mut i = 0usize;
    let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
    while i < fmt.len() {
        let c = fmt[i];
        if !c.is_ascii() || !(c.is_ascii_graphic() || c == b' ' || c.is_ascii_whitespace()) {
            return Err(Errno::EINVAL);
        }
        if c != b'%' {
            out.push(c);
            i += 1;
            continue;
        }
        if at(i + 1) == b'%' {
            out.push(b'%');
            i += 2;
            continue;
        }
        if n >= args.len() {
            return Err(Errno::EINVAL);
        }
        i += 1;
        let (mut zero, mut left, mut plus, mut space) = (false, false, false, false);
        loop {
            match at(i) {
                b'0' => zero = true,
                b'-' => left = true,
                b'+' => plus = true,
                b' ' => space = true,
                _ => break,
            }
            i += 1;
        }
        let mut width = 0usize;
        if (b'1'..=b'9').contains(&at(i)) {
            while at(i).is_ascii_digit() {
                width = (width * 10 + usize::from(at(i) - b'0')).min(MAX_PRINTK);
                i += 1;
            }
        }
        let arg = args[n];
        n += 1;
        let (body, numeric): (Vec<u8>, bool) = match at(i) {
            b'p' => return Err(Errno::EINVAL),
            b's' => (string(arg), false),
            b'c' => (vec![arg as u8], false),
            _ => {
                let mut long = false;
                if at(i) == b'l' {
                    long = true;
                    i += 1;
                }
                if at(i) == b'l' {
                    i += 1;
                }
                let v = if long { arg } else { u64::from(arg as u32) };
                let text = match at(i) {
                    b'd' | b'i' => {
                        let s = if long { v as i64 } else { i64::from(v as u32 as i32) };
                        let sign = if s < 0 {
                            "-"
                        } else if plus {
                            "+"
                        } else if space {
                            " "
                        } else {
                            ""
                        };
                        format!("{sign}{}", s.unsigned_abs())
                    }
                    b'u' => v.to_string(),
                    b'x' => format!("{v:x}"),
                    b'X' => format!("{v:X}"),
                    _ => return Err(Errno::EINVAL),
                };
                (text.into_bytes(), true)
            }
        };
        i += 1;
        let pad = width.saturating_sub(body.len());
        if left {
            out.extend_from_slice(&body);
            out.extend(std::iter::repeat_n(b' ', pad));
        } else if zero && numeric {
            let (sign, digits) = match body.first() {
                Some(b'-' | b'+' | b' ') => body.split_at(1),
                _ => body.split_at(0),
            };
            out.extend_from_slice(sign);
            out.extend(std::iter::repeat_n(b'0', pad));
            out.extend_from_slice(digits);
        } else {
            out.extend(std::iter::repeat_n(b' ', pad));
            out.extend_from_slice(&body);
        }
    }
    out.truncate(MAX_PRINTK - 1);
    Ok(String::from_utf8_lossy(&out).into_owned())
}
