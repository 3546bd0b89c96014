//! The one table of what the spec declares, built once from the loaded files and asked by
//! validation and lowering alike: named types (spec name -> declaration, Rust name, file), error
//! codes, the module of each file, and the Rust names every operation generates.
//!
//! Building it never fails: the first declaration of a name wins, and every clash it sees —
//! two types, modules, error codes, notifications or generated structs that end up with one Rust
//! name, or a name the generated code reserves — is kept as a problem for validation to report.

use std::collections::HashMap;

use crate::diagnostics::{Diagnostic, Pos, did_you_mean};
use crate::load::model::{FieldDecl, OperationDecl, Resource, SpecFile, TypeDecl, TypeKindDecl};
use crate::naming::{self, Name};

mod builtin;

pub use builtin::Builtin;

/// A declared named type.
#[derive(Debug)]
pub struct TypeSymbol<'a> {
    /// Its declaration.
    pub decl: &'a TypeDecl,
    /// Its Rust name.
    pub name: Name,
}

impl<'a> TypeSymbol<'a> {
    /// Whether it is an enum (else an object).
    pub fn is_enum(&self) -> bool {
        matches!(self.decl.kind, TypeKindDecl::Enum(_))
    }

    /// Its fields, when it is an object.
    pub fn fields(&self) -> Option<&'a [FieldDecl]> {
        match &self.decl.kind {
            TypeKindDecl::Object(fields) => Some(fields),
            TypeKindDecl::Enum(_) => None,
        }
    }

    /// Its wire values, when it is an enum.
    pub fn values(&self) -> Vec<&'a str> {
        match &self.decl.kind {
            TypeKindDecl::Enum(values) => values.iter().map(|v| v.value.value.as_str()).collect(),
            TypeKindDecl::Object(_) => Vec::new(),
        }
    }
}

/// What a type reference in the spec resolves to.
#[derive(Debug, Clone, Copy)]
pub enum TypeRef<'s, 'a> {
    /// A built-in type.
    Builtin(Builtin),
    /// A named type.
    Named(&'s TypeSymbol<'a>),
}

/// The names one operation generates.
#[derive(Debug)]
pub struct OperationSymbol<'a> {
    /// Its declaration.
    pub decl: &'a OperationDecl,
    /// The resource it is declared on.
    pub resource: &'a Resource,
    /// The request struct, e.g. `SendCoupon`.
    pub name: Name,
    /// The query struct, when the operation has query parameters.
    pub query: Option<Name>,
}

/// The table.
#[derive(Debug)]
pub struct Symbols<'a> {
    types: HashMap<&'a str, TypeSymbol<'a>>,
    error_codes: HashMap<&'a str, &'a Pos>,
    modules: Vec<Name>,
    operations: Vec<OperationSymbol<'a>>,
    problems: Vec<Diagnostic>,
}

/// Who took a Rust type name first, for messages about a clash.
#[derive(Clone, Copy)]
enum Taker<'a> {
    Type(&'a str),
    Query(&'a str),
}

impl<'a> Symbols<'a> {
    /// Builds the table from loaded files (in the order `check_sources` sorts them).
    pub fn new(files: &'a [SpecFile]) -> Self {
        let mut symbols = Symbols {
            types: HashMap::new(),
            error_codes: HashMap::new(),
            modules: files
                .iter()
                .map(|f| naming::module_name(&f.rel_path))
                .collect(),
            operations: Vec::new(),
            problems: Vec::new(),
        };
        let mut rust_types: HashMap<Name, (Taker<'a>, &'a Pos)> = HashMap::new();
        for file in files {
            for decl in &file.types {
                symbols.add_type(decl, &mut rust_types);
            }
            for code in &file.error_codes {
                match symbols.error_codes.get(code.code.value.as_str()) {
                    Some(previous) => symbols.problem(
                        &code.code.pos,
                        format!(
                            "error code `{}` is already declared at {previous}",
                            code.code.value
                        ),
                    ),
                    None => {
                        symbols.error_codes.insert(&code.code.value, &code.code.pos);
                    }
                }
            }
        }
        symbols.check_modules(files);
        symbols.check_variants(files);
        symbols.add_operations(files, &rust_types);
        symbols
    }

    fn problem(&mut self, pos: &Pos, message: impl Into<String>) {
        self.problems.push(Diagnostic::new(pos.clone(), message));
    }

    fn add_type(
        &mut self,
        decl: &'a TypeDecl,
        rust_types: &mut HashMap<Name, (Taker<'a>, &'a Pos)>,
    ) {
        let spec = decl.name.value.as_str();
        let rust = naming::type_name(spec);
        if naming::RESERVED_TYPES.contains(&rust.as_str()) {
            self.problem(
                &decl.name.pos,
                format!("type name `{spec}` is reserved: the generated code uses `{rust}` itself"),
            );
            return;
        }
        if rust.as_str() != spec {
            self.problem(
                &decl.name.pos,
                format!("type names are UpperCamelCase: write `{rust}` instead of `{spec}`"),
            );
        }
        if let Some(previous) = self.types.get(spec) {
            let message = format!(
                "type `{spec}` is already declared at {}",
                previous.decl.name.pos
            );
            self.problem(&decl.name.pos, message);
            return;
        }
        if let Some((Taker::Type(other), pos)) = rust_types.get(&rust) {
            let message =
                format!("type `{spec}` becomes the Rust name `{rust}`, like `{other}` at {pos}");
            self.problem(&decl.name.pos, message);
        }
        rust_types.insert(rust.clone(), (Taker::Type(spec), &decl.name.pos));
        self.types.insert(spec, TypeSymbol { decl, name: rust });
    }

    /// Every file with content generates a module; two must not share a name, nor take one the
    /// generated root reserves.
    fn check_modules(&mut self, files: &'a [SpecFile]) {
        let mut seen: HashMap<&str, &str> = HashMap::new();
        let mut problems = Vec::new();
        for (file, module) in files.iter().zip(&self.modules) {
            if file.resource.is_none() && file.types.is_empty() {
                continue;
            }
            if naming::RESERVED_MODULES.contains(&module.as_str()) {
                problems.push(Diagnostic::new(file.version.pos.clone(), format!("`{}` would generate the module `{module}`, which the generated code reserves; rename the file", file.display)));
            } else if let Some(other) = seen.insert(module.as_str(), &file.display) {
                problems.push(Diagnostic::new(file.version.pos.clone(), format!("`{}` and `{other}` would both generate the module `{module}`; rename one of them", file.display)));
            }
        }
        self.problems.extend(problems);
    }

    /// Error codes and notifications become variants of one enum each.
    fn check_variants(&mut self, files: &'a [SpecFile]) {
        let mut codes: HashMap<Name, &str> = HashMap::new();
        let mut events: HashMap<Name, (&str, &Pos)> = HashMap::new();
        for file in files {
            for code in &file.error_codes {
                let variant = naming::variant_name(&code.code.value);
                if variant.as_str() == naming::UNKNOWN_VARIANT {
                    self.problem(&code.code.pos, "`UNKNOWN` is reserved: every generated enum has an `Unknown(String)` variant");
                } else if let Some(other) = codes.insert(variant.clone(), &code.code.value)
                    && other != code.code.value
                {
                    let message = format!(
                        "error code `{}` becomes the variant `{variant}`, like `{other}`",
                        code.code.value
                    );
                    self.problem(&code.code.pos, message);
                }
            }
            for notification in &file.notifications {
                let event = &notification.event_type;
                let variant = naming::variant_name(&event.value);
                if variant.as_str() == naming::UNKNOWN_VARIANT {
                    self.problem(
                        &event.pos,
                        "`UNKNOWN` is reserved for event types the spec does not describe",
                    );
                } else if let Some((other, pos)) =
                    events.insert(variant.clone(), (&event.value, &event.pos))
                {
                    let message = if other == event.value {
                        format!("notification `{other}` is already declared at {pos}")
                    } else {
                        format!(
                            "notification `{}` becomes the variant `{variant}`, like `{other}` at {pos}",
                            event.value
                        )
                    };
                    self.problem(&event.pos, message);
                }
            }
        }
    }

    /// Registers the structs every operation generates and reports the ones that clash with a
    /// type or with another operation's structs.
    fn add_operations(
        &mut self,
        files: &'a [SpecFile],
        rust_types: &HashMap<Name, (Taker<'a>, &'a Pos)>,
    ) {
        let resources = files.iter().filter_map(|f| f.resource.as_ref());
        for resource in resources {
            for decl in &resource.operations {
                let name = naming::operation_struct(&decl.id.value);
                let query = (!decl.query.is_empty()).then(|| naming::query_struct(&name));
                self.operations.push(OperationSymbol {
                    decl,
                    resource,
                    name,
                    query,
                });
            }
        }
        let mut generated: HashMap<Name, (Taker<'a>, &'a Pos)> = HashMap::new();
        for op in &self.operations {
            if let Some(query) = &op.query {
                generated
                    .entry(query.clone())
                    .or_insert((Taker::Query(&op.decl.id.value), &op.decl.id.pos));
            }
        }
        let mut problems = Vec::new();
        let mut structs: HashMap<&Name, (&str, &Pos)> = HashMap::new();
        for op in &self.operations {
            let id = &op.decl.id;
            let snake = naming::value_name(&id.value);
            if snake.as_str() != id.value {
                problems.push(Diagnostic::new(
                    id.pos.clone(),
                    format!("operation ids are snake_case: write `{snake}`"),
                ));
            }
            for made in std::iter::once(&op.name).chain(&op.query) {
                if let Some((Taker::Type(other), pos)) = rust_types.get(made) {
                    problems.push(Diagnostic::new(id.pos.clone(), format!("operation `{}` generates the type `{made}`, which clashes with type `{other}` at {pos}", id.value)));
                }
            }
            if let Some((Taker::Query(other), _)) = generated.get(&op.name) {
                problems.push(Diagnostic::new(id.pos.clone(), format!("operation `{}` generates the struct `{}`, which is also the query struct of operation `{other}`; rename one of them", id.value, op.name)));
            }
            if let Some((other, pos)) = structs.insert(&op.name, (&id.value, &id.pos)) {
                problems.push(Diagnostic::new(
                    id.pos.clone(),
                    format!(
                        "operation id `{}` becomes `{}`, like operation `{other}` at {pos}",
                        id.value, op.name
                    ),
                ));
            }
        }
        self.problems.extend(problems);
    }

    /// The clashes seen while building, for validation to report.
    pub fn problems(&self) -> &[Diagnostic] {
        &self.problems
    }

    /// A named type by its spec name.
    pub fn get(&self, spec_name: &str) -> Option<&TypeSymbol<'a>> {
        self.types.get(spec_name)
    }

    /// Resolves a type reference, built-in or named.
    pub fn resolve(&self, name: &str) -> Option<TypeRef<'_, 'a>> {
        match Builtin::parse(name) {
            Some(builtin) => Some(TypeRef::Builtin(builtin)),
            None => self.types.get(name).map(TypeRef::Named),
        }
    }

    /// The fields of an object type, by spec name.
    pub fn object_fields(&self, name: &str) -> Option<&'a [FieldDecl]> {
        self.get(name)?.fields()
    }

    /// Whether an error code is declared.
    pub fn has_error_code(&self, code: &str) -> bool {
        self.error_codes.contains_key(code)
    }

    /// Every declared error code, sorted (for suggestions).
    pub fn error_codes(&self) -> Vec<&'a str> {
        let mut codes: Vec<&str> = self.error_codes.keys().copied().collect();
        codes.sort_unstable();
        codes
    }

    /// The module of the file at `index` (in the order the table was built from).
    pub fn module(&self, index: usize) -> Option<&Name> {
        self.modules.get(index)
    }

    /// The names of every operation, in spec order.
    pub fn operations(&self) -> &[OperationSymbol<'a>] {
        &self.operations
    }

    /// The names an operation generates.
    pub fn operation(&self, decl: &OperationDecl) -> Option<&OperationSymbol<'a>> {
        self.operations
            .iter()
            .find(|op| std::ptr::eq(op.decl, decl))
    }

    /// "unknown type", with the closest name as a suggestion.
    pub fn unknown_type(&self, name: &str, pos: &Pos) -> Diagnostic {
        let mut names: Vec<&str> = self
            .types
            .keys()
            .copied()
            .chain(Builtin::ALL.iter().map(|(n, _)| *n))
            .collect();
        names.sort_unstable();
        let hint = match did_you_mean(name, names.iter().copied()) {
            Some(s) => format!("; did you mean `{s}`?"),
            None => String::new(),
        };
        Diagnostic::new(pos.clone(), format!("unknown type `{name}`{hint}"))
    }
}
