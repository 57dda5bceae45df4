//! Runs a program of a clang-compiled BPF object in rbpf over bpf-model, then prints what it left: each
//! ring buffer's records and the `bpf_printk` lines.
//!
//! ```sh
//! clang -target bpf -O2 -g -c prog.bpf.c -o prog.bpf.o
//! cargo run --release --features rbpf --example rbpf -- prog.bpf.o bpf_prog1
//! ```

use bpf_model::embed::{rbpf, Env};
use bpf_model::KernelProfile;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (path, name) = match (args.next(), args.next()) {
        (Some(p), Some(n)) => (p, n),
        _ => return Err("usage: rbpf <object.bpf.o> <program>".into()),
    };
    let elf = std::fs::read(&path)?;
    let mut env = Env::new(KernelProfile::detect().profile)?;
    let obj = rbpf::load(&mut env, &elf)?;
    let prog = obj.program(&name).ok_or(format!("no program {name} in {path}"))?;
    let ret = rbpf::run(&mut env, prog, &mut [])?;
    println!("{name} returned {ret}");
    for (map, handle) in obj.maps() {
        for record in env.drain_ringbuf(*handle).unwrap_or_default() {
            println!("{map}: {record:02x?}");
        }
    }
    for line in env.trace_output() {
        println!("bpf_trace_printk: {line}");
    }
    Ok(())
}
