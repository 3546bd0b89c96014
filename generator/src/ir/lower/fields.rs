//! Lowering of fields in one module's context: resolved types, constraints, catalogue
//! parameters, and the charset constants the module's checks name.

use crate::ir::*;
use crate::load::model::{ConstraintsDecl, FieldDecl, Scalar};
use crate::naming;
use crate::symbols::{Builtin, Symbols, TypeRef};

/// The charsets of one module, named as they are first met.
#[derive(Default)]
pub(super) struct Charsets {
    pub(super) defs: Vec<CharsetDef>,
}

impl Charsets {
    /// The constant for `text`, first used by field `field`.
    pub(super) fn intern(&mut self, text: &str, field: &str) -> Option<CharsetRef> {
        let ranges = crate::charset::parse(text)?;
        let text = shown(text);
        let name = match self.defs.iter().find(|d| d.text == text) {
            Some(def) => def.name.clone(),
            None => {
                let name = (1..)
                    .map(|n| naming::charset_const(field, n))
                    .find(|name| self.defs.iter().all(|d| &d.name != name))
                    .unwrap_or_else(|| naming::charset_const(field, 1));
                self.defs.push(CharsetDef {
                    name: name.clone(),
                    text: text.clone(),
                    ranges: ranges.clone(),
                });
                name
            }
        };
        Some(CharsetRef { name, text, ranges })
    }
}

/// A charset as docs and error messages show it: characters that print as nothing (controls,
/// the noncharacters such as U+FFFF that end a range "up to the last") spelled `\u{…}`.
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control()
                || ('\u{FDD0}'..='\u{FDEF}').contains(&c)
                || (c as u32) & 0xFFFE == 0xFFFE
            {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Lowers fields in one module's context (which owns the charset constants).
pub(super) struct FieldLowering<'s, 'a> {
    pub(super) symbols: &'s Symbols<'a>,
    pub(super) charsets: Charsets,
}

impl FieldLowering<'_, '_> {
    pub(super) fn ty(&self, name: &str, items: Option<&str>) -> Option<Ty> {
        Some(match self.symbols.resolve(name)? {
            TypeRef::Builtin(builtin) => match builtin {
                Builtin::String => Ty::String,
                Builtin::Bool => Ty::Bool,
                Builtin::I32 => Ty::Int(IntKind::I32),
                Builtin::I64 => Ty::Int(IntKind::I64),
                Builtin::U32 => Ty::Int(IntKind::U32),
                Builtin::U64 => Ty::Int(IntKind::U64),
                Builtin::Money => Ty::Money,
                Builtin::Time => Ty::Time,
                Builtin::Date => Ty::Date,
                Builtin::List => Ty::List(Box::new(self.ty(items?, None)?)),
            },
            TypeRef::Named(symbol) if symbol.is_enum() => Ty::Enum(symbol.name.clone()),
            TypeRef::Named(symbol) => Ty::Object(symbol.name.clone()),
        })
    }

    pub(super) fn constraints(&mut self, decl: &ConstraintsDecl, field: &str) -> Constraints {
        Constraints {
            min_length: decl.min_length.as_ref().map(|s| s.value),
            max_length: decl.max_length.as_ref().map(|s| s.value),
            minimum: decl.minimum.as_ref().map(|s| s.value),
            maximum: decl.maximum.as_ref().map(|s| s.value),
            charset: decl
                .charset
                .as_ref()
                .and_then(|c| self.charsets.intern(&c.value, field)),
            format: decl.format.as_ref().and_then(|f| match f.value.as_str() {
                "https_url" => Some(Format::HttpsUrl),
                _ => None,
            }),
            min_items: None,
            max_items: None,
        }
    }

    pub(super) fn field(&mut self, decl: &FieldDecl) -> Option<FieldDef> {
        let ty = self.ty(
            &decl.ty.value,
            decl.items.as_ref().map(|i| i.ty.value.as_str()),
        )?;
        let wire = decl.name.value.as_str();
        let mut constraints = self.constraints(&decl.constraints, wire);
        constraints.min_items = decl.min_items.as_ref().map(|s| s.value);
        constraints.max_items = decl.max_items.as_ref().map(|s| s.value);
        let items = match &decl.items {
            Some(items) => self.constraints(&items.constraints, wire),
            None => Constraints::default(),
        };
        Some(FieldDef {
            wire: wire.to_string(),
            name: naming::value_name(wire),
            ty,
            required: decl.required,
            doc: decl.doc.clone(),
            example: decl.example.clone(),
            default: decl.default.as_ref().map(|d| match &d.value {
                Scalar::Bool(b) => b.to_string(),
                Scalar::Int(i) => i.to_string(),
                Scalar::Str(s) => s.clone(),
                Scalar::Other(o) => o.clone(),
            }),
            constraints,
            items,
            always_serialize: decl.always_serialize.as_ref().is_some_and(|a| a.value),
            aliases: decl.aliases.iter().map(|a| a.value.clone()).collect(),
            comma_separated: decl.comma_separated.as_ref().is_some_and(|b| b.value),
        })
    }

    pub(super) fn fields(&mut self, decls: &[FieldDecl]) -> Vec<FieldDef> {
        decls.iter().filter_map(|f| self.field(f)).collect()
    }

    /// A field as the catalogue lists it: its kind of value (with an enum's listed values).
    pub(super) fn catalog_param(
        &mut self,
        decl: &FieldDecl,
        location: ParamLocation,
    ) -> Option<CatalogParam> {
        let field = self.field(decl)?;
        let kind = match &field.ty {
            Ty::String => ParamKind::String,
            Ty::Bool => ParamKind::Bool,
            Ty::Int(_) => ParamKind::Integer,
            Ty::Money => ParamKind::Money,
            Ty::Time => ParamKind::Time,
            Ty::Date => ParamKind::Date,
            Ty::Enum(_) => ParamKind::Enum(
                self.symbols
                    .get(&decl.ty.value)
                    .map(|symbol| symbol.values().into_iter().map(str::to_string).collect())
                    .unwrap_or_default(),
            ),
            Ty::List(_) | Ty::Object(_) => ParamKind::Json,
        };
        Some(CatalogParam {
            wire: field.wire,
            location,
            kind,
            required: field.required,
            doc: field
                .doc
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_string(),
        })
    }
}
