//! The built-in field types of the spec language: their spec names and what the rules need to
//! know of each (whether ranges apply, an integer type's bounds).

/// The built-in field types of the spec language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `string`
    String,
    /// `bool`
    Bool,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `money`: integer fen.
    Money,
    /// `time`: RFC 3339.
    Time,
    /// `date`: `YYYY-MM-DD`.
    Date,
    /// `list`, with `items`.
    List,
}

impl Builtin {
    /// Every built-in type by its spec name.
    pub const ALL: [(&'static str, Builtin); 10] = [
        ("string", Builtin::String),
        ("bool", Builtin::Bool),
        ("i32", Builtin::I32),
        ("i64", Builtin::I64),
        ("u32", Builtin::U32),
        ("u64", Builtin::U64),
        ("money", Builtin::Money),
        ("time", Builtin::Time),
        ("date", Builtin::Date),
        ("list", Builtin::List),
    ];

    /// The built-in type of a spec name.
    pub fn parse(name: &str) -> Option<Builtin> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
    }

    /// Whether the type is an integer (`money` included): ranges apply to it.
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            Builtin::I32 | Builtin::I64 | Builtin::U32 | Builtin::U64 | Builtin::Money
        )
    }

    /// The inclusive range of an integer type.
    pub fn int_bounds(self) -> (i128, i128) {
        match self {
            Builtin::I32 => (i32::MIN.into(), i32::MAX.into()),
            Builtin::U32 => (0, u32::MAX.into()),
            Builtin::U64 => (0, u64::MAX.into()),
            _ => (i64::MIN.into(), i64::MAX.into()),
        }
    }
}
