//! A reader of clang-compiled BPF objects (ELF64, little-endian): sections, symbols, relocations, and the
//! BTF types that describe the maps of `.maps`. Bounds-checked throughout: a malformed object is an
//! error, never a panic.

use std::collections::HashMap;

/// What is wrong with an object.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ElfError(pub String);

impl std::fmt::Display for ElfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BPF object: {}", self.0)
    }
}

impl std::error::Error for ElfError {}

fn err<T>(what: impl Into<String>) -> Result<T, ElfError> {
    Err(ElfError(what.into()))
}

fn bytes(b: &[u8], at: usize, n: usize) -> Result<&[u8], ElfError> {
    at.checked_add(n).and_then(|e| b.get(at..e)).ok_or_else(|| ElfError(format!("truncated at {at:#x}")))
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, ElfError> {
    Ok(u16::from_le_bytes(bytes(b, at, 2)?.try_into().unwrap_or([0; 2])))
}

pub(super) fn u32_at(b: &[u8], at: usize) -> Result<u32, ElfError> {
    Ok(u32::from_le_bytes(bytes(b, at, 4)?.try_into().unwrap_or([0; 4])))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64, ElfError> {
    Ok(u64::from_le_bytes(bytes(b, at, 8)?.try_into().unwrap_or([0; 8])))
}

fn cstr(b: &[u8], at: usize) -> Result<String, ElfError> {
    let tail = b.get(at..).ok_or_else(|| ElfError(format!("string at {at:#x} out of range")))?;
    let end = tail.iter().position(|&c| c == 0).unwrap_or(tail.len());
    Ok(String::from_utf8_lossy(&tail[..end]).into_owned())
}

/// One section.
#[derive(Clone, Debug)]
pub(super) struct Section {
    pub name: String,
    pub kind: u32,
    pub flags: u64,
    pub data: Vec<u8>,
    pub size: u64,
    pub info: u32,
}

/// One symbol.
#[derive(Clone, Debug)]
pub(super) struct Symbol {
    pub name: String,
    pub value: u64,
    pub size: u64,
    /// Section index (0: undefined, i.e. an extern).
    pub shndx: u16,
    pub kind: u8,
}

/// One relocation: the byte offset in its section, the symbol index, the type.
#[derive(Clone, Copy, Debug)]
pub(super) struct Reloc {
    pub offset: u64,
    pub sym: usize,
}

pub(super) const SHT_PROGBITS: u32 = 1;
const SHT_SYMTAB: u32 = 2;
const SHT_REL: u32 = 9;
pub(super) const SHT_NOBITS: u32 = 8;
pub(super) const SHF_EXECINSTR: u64 = 4;
pub(super) const STT_SECTION: u8 = 3;

/// A parsed object.
pub(super) struct Elf {
    pub sections: Vec<Section>,
    pub symbols: Vec<Symbol>,
    /// Relocations by the index of the section they apply to.
    pub relocs: HashMap<usize, Vec<Reloc>>,
}

impl Elf {
    pub fn parse(b: &[u8]) -> Result<Elf, ElfError> {
        if bytes(b, 0, 4)? != b"\x7fELF" || bytes(b, 4, 2)? != [2, 1] {
            return err("not a little-endian ELF64 object");
        }
        if u16_at(b, 18)? != 247 {
            return err("not a BPF object (e_machine != EM_BPF)");
        }
        let shoff = usize::try_from(u64_at(b, 0x28)?).map_err(|_| ElfError("e_shoff".into()))?;
        let shentsize = usize::from(u16_at(b, 0x3a)?);
        let shnum = usize::from(u16_at(b, 0x3c)?);
        let shstrndx = usize::from(u16_at(b, 0x3e)?);
        if shentsize < 64 {
            return err("section header size");
        }
        let mut raw = Vec::with_capacity(shnum);
        for i in 0..shnum {
            let h = bytes(b, shoff + i * shentsize, 64)?;
            let name = u32_at(h, 0)?;
            let kind = u32_at(h, 4)?;
            let flags = u64_at(h, 8)?;
            let off = u64_at(h, 24)? as usize;
            let size = u64_at(h, 32)?;
            let info = u32_at(h, 44)?;
            let data = if kind == SHT_NOBITS || kind == 0 {
                Vec::new()
            } else {
                bytes(b, off, usize::try_from(size).map_err(|_| ElfError("section size".into()))?)?.to_vec()
            };
            raw.push((name, Section { name: String::new(), kind, flags, data, size, info }));
        }
        let shstr = raw.get(shstrndx).map(|(_, s)| s.data.clone()).ok_or_else(|| ElfError("e_shstrndx".into()))?;
        let mut sections = Vec::with_capacity(shnum);
        for (name, mut s) in raw {
            s.name = cstr(&shstr, name as usize)?;
            sections.push(s);
        }
        let mut symbols = Vec::new();
        if let Some(symtab) = sections.iter().position(|s| s.kind == SHT_SYMTAB) {
            let link_str =
                sections.iter().position(|s| s.name == ".strtab").ok_or_else(|| ElfError("no .strtab".into()))?;
            let strtab = &sections[link_str].data;
            let d = &sections[symtab].data;
            for at in (0..d.len() / 24).map(|i| i * 24) {
                symbols.push(Symbol {
                    name: cstr(strtab, u32_at(d, at)? as usize)?,
                    kind: bytes(d, at + 4, 1)?[0] & 0xf,
                    shndx: u16_at(d, at + 6)?,
                    value: u64_at(d, at + 8)?,
                    size: u64_at(d, at + 16)?,
                });
            }
        }
        let mut relocs: HashMap<usize, Vec<Reloc>> = HashMap::new();
        for s in sections.iter().filter(|s| s.kind == SHT_REL) {
            let list = relocs.entry(s.info as usize).or_default();
            for at in (0..s.data.len() / 16).map(|i| i * 16) {
                let offset = u64_at(&s.data, at)?;
                let info = u64_at(&s.data, at + 8)?;
                list.push(Reloc { offset, sym: (info >> 32) as usize });
            }
        }
        Ok(Elf { sections, symbols, relocs })
    }

    pub fn section(&self, name: &str) -> Option<(usize, &Section)> {
        self.sections.iter().enumerate().find(|(_, s)| s.name == name)
    }
}

// ------------------------------------------------------------------------------------------------------
// BTF, as far as `.maps` needs it.

const BTF_KIND_INT: u32 = 1;
const BTF_KIND_PTR: u32 = 2;
const BTF_KIND_ARRAY: u32 = 3;
const BTF_KIND_STRUCT: u32 = 4;
const BTF_KIND_UNION: u32 = 5;
const BTF_KIND_ENUM: u32 = 6;
const BTF_KIND_TYPEDEF: u32 = 8;
const BTF_KIND_VOLATILE: u32 = 9;
const BTF_KIND_CONST: u32 = 10;
const BTF_KIND_RESTRICT: u32 = 11;
const BTF_KIND_FUNC_PROTO: u32 = 13;
const BTF_KIND_VAR: u32 = 14;
const BTF_KIND_DATASEC: u32 = 15;
const BTF_KIND_DECL_TAG: u32 = 17;
const BTF_KIND_TYPE_TAG: u32 = 18;
const BTF_KIND_ENUM64: u32 = 19;

#[derive(Clone, Debug, Default)]
struct BtfType {
    name: String,
    kind: u32,
    size_or_type: u32,
    /// ARRAY: (elem type, nelems); STRUCT: (name, type) members; DATASEC: (var type, offset, size).
    array: (u32, u32),
    members: Vec<(String, u32)>,
    vars: Vec<(u32, u32, u32)>,
}

/// The BTF of an object.
pub(super) struct Btf {
    types: Vec<BtfType>,
}

/// A map of `.maps`: its name and the `__uint` / `__type` fields the environment needs.
#[derive(Clone, Debug, Default)]
pub(super) struct MapSpec {
    pub name: String,
    pub map_type: u32,
    pub max_entries: u32,
    pub value_size: u32,
    /// Byte offset of the map's symbol in `.maps`.
    pub offset: u32,
}

impl Btf {
    pub fn parse(b: &[u8]) -> Result<Btf, ElfError> {
        if u16_at(b, 0)? != 0xeb9f {
            return err("BTF magic");
        }
        let hdr_len = u32_at(b, 4)? as usize;
        let type_off = u32_at(b, 8)? as usize;
        let type_len = u32_at(b, 12)? as usize;
        let str_off = u32_at(b, 16)? as usize;
        let str_len = u32_at(b, 20)? as usize;
        let types_b = bytes(b, hdr_len + type_off, type_len)?;
        let strs = bytes(b, hdr_len + str_off, str_len)?;
        let mut types = vec![BtfType::default()]; // type 0: void
        let mut at = 0usize;
        while at < types_b.len() {
            let name = cstr(strs, u32_at(types_b, at)? as usize)?;
            let info = u32_at(types_b, at + 4)?;
            let st = u32_at(types_b, at + 8)?;
            at += 12;
            let kind = (info >> 24) & 0x1f;
            let vlen = info & 0xffff;
            let mut t = BtfType { name, kind, size_or_type: st, ..Default::default() };
            match kind {
                BTF_KIND_INT | BTF_KIND_VAR | BTF_KIND_DECL_TAG => at += 4,
                BTF_KIND_ARRAY => {
                    t.array = (u32_at(types_b, at)?, u32_at(types_b, at + 8)?);
                    at += 12;
                }
                BTF_KIND_STRUCT | BTF_KIND_UNION => {
                    for _ in 0..vlen {
                        t.members.push((cstr(strs, u32_at(types_b, at)? as usize)?, u32_at(types_b, at + 4)?));
                        at += 12;
                    }
                }
                BTF_KIND_ENUM => at += 8 * vlen as usize,
                BTF_KIND_FUNC_PROTO => at += 8 * vlen as usize,
                BTF_KIND_DATASEC => {
                    for _ in 0..vlen {
                        t.vars.push((u32_at(types_b, at)?, u32_at(types_b, at + 4)?, u32_at(types_b, at + 8)?));
                        at += 12;
                    }
                }
                BTF_KIND_ENUM64 => at += 12 * vlen as usize,
                _ => {}
            }
            types.push(t);
        }
        Ok(Btf { types })
    }

    fn get(&self, id: u32) -> Option<&BtfType> {
        self.types.get(id as usize)
    }

    /// Skips typedefs and qualifiers.
    fn resolve(&self, mut id: u32) -> Option<&BtfType> {
        for _ in 0..32 {
            let t = self.get(id)?;
            match t.kind {
                BTF_KIND_TYPEDEF | BTF_KIND_VOLATILE | BTF_KIND_CONST | BTF_KIND_RESTRICT | BTF_KIND_TYPE_TAG => {
                    id = t.size_or_type
                }
                _ => return Some(t),
            }
        }
        None
    }

    fn size_of(&self, id: u32) -> Option<u32> {
        let t = self.resolve(id)?;
        match t.kind {
            BTF_KIND_INT | BTF_KIND_STRUCT | BTF_KIND_UNION | BTF_KIND_ENUM | BTF_KIND_ENUM64 => Some(t.size_or_type),
            BTF_KIND_PTR => Some(8),
            BTF_KIND_ARRAY => self.size_of(t.array.0)?.checked_mul(t.array.1),
            _ => None,
        }
    }

    /// `__uint(name, N)`: a pointer to an array of N.
    fn uint_field(&self, id: u32) -> Option<u32> {
        let p = self.resolve(id)?;
        if p.kind != BTF_KIND_PTR {
            return None;
        }
        let a = self.resolve(p.size_or_type)?;
        (a.kind == BTF_KIND_ARRAY).then_some(a.array.1)
    }

    /// The maps of the `.maps` DATASEC.
    pub fn maps(&self) -> Vec<MapSpec> {
        let Some(ds) = self.types.iter().find(|t| t.kind == BTF_KIND_DATASEC && t.name == ".maps") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for &(var, offset, _) in &ds.vars {
            let Some(v) = self.get(var) else { continue };
            let Some(def) = self.resolve(v.size_or_type) else { continue };
            let mut m = MapSpec { name: v.name.clone(), offset, ..Default::default() };
            for (field, ty) in &def.members {
                match field.as_str() {
                    "type" => m.map_type = self.uint_field(*ty).unwrap_or(0),
                    "max_entries" => m.max_entries = self.uint_field(*ty).unwrap_or(0),
                    "value_size" => m.value_size = self.uint_field(*ty).unwrap_or(0),
                    "value" => {
                        let p = self.resolve(*ty);
                        m.value_size = p.and_then(|p| self.size_of(p.size_or_type)).unwrap_or(0);
                    }
                    _ => {}
                }
            }
            out.push(m);
        }
        out
    }
}
