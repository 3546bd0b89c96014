//! The JSON input of an operation called by name: path, query, body and upload file as a tool
//! collects them, read into the operation's typed parts with errors naming the value's path.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::error::Error;

/// JSON values for an operation's parameters, by location.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DynamicInput {
    /// Path parameters.
    pub path: BTreeMap<String, String>,
    /// Query parameters as JSON values (numbers for integers).
    pub query: serde_json::Map<String, serde_json::Value>,
    /// The JSON body.
    pub body: Option<serde_json::Value>,
    /// The file of an upload.
    pub file: Option<crate::multipart::UploadFile>,
}

impl DynamicInput {
    /// A path parameter, or an invalid-request error naming it.
    pub fn path_param(&self, name: &str) -> Result<String, Error> {
        self.path
            .get(name)
            .cloned()
            .ok_or_else(|| Error::invalid(format!("path.{name}"), "is required"))
    }

    /// A path parameter as the operation's typed value (a number, money, an enum, a time, …).
    /// The text is read as the JSON string it is, or else as the JSON number or boolean it
    /// spells (`100`, `true`), so any kind of path parameter parses from the text a tool has.
    pub fn path_value<T: DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
        let text = self.path_param(name)?;
        serde_json::from_value(serde_json::Value::String(text.clone()))
            .or_else(|_| serde_json::from_str(&text))
            .map_err(|e| {
                Error::invalid(
                    format!("path.{name}"),
                    format!("{text:?} is not a valid value: {e}"),
                )
            })
    }

    /// The query parameters as the operation's typed query.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] whose field is the path of the value that does not fit, e.g.
    /// `query.limit` for `"limit": -1` (just `query` when the whole object is wrong, such as a
    /// missing required parameter).
    pub fn query<T: DeserializeOwned>(&self) -> Result<T, Error> {
        typed("query", serde_json::Value::Object(self.query.clone()))
    }

    /// The body as the operation's typed body.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] whose field is the path of the value that does not fit, e.g.
    /// `body.stock_use_rule.max_coupons`.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let body = self
            .body
            .clone()
            .unwrap_or(serde_json::Value::Object(Default::default()));
        typed("body", body)
    }
}

impl DynamicInput {
    /// The file of an upload, or an invalid-request error naming its parameter.
    pub fn file(&self, name: &str) -> Result<crate::multipart::UploadFile, Error> {
        self.file
            .clone()
            .ok_or_else(|| Error::invalid(name, "is required: the file to upload"))
    }
}

/// `value` as `T`, or an invalid-request error naming `location.path.of.the.value`.
fn typed<T: DeserializeOwned>(location: &str, value: serde_json::Value) -> Result<T, Error> {
    crate::json::from_value(value).map_err(|(path, error)| {
        let field = if path == "." {
            location.to_owned()
        } else {
            format!("{location}.{path}")
        };
        Error::invalid(field, error.to_string())
    })
}
