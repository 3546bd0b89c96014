//! Decoding a matched request into its operation's typed input, the inverse of the client's
//! `build()`: path parameters percent-decoded, the query into the query type, the JSON body into
//! the body type. Every failure is a `400 PARAM_ERROR` whose `detail` names the input the way
//! WeChat Pay does — a JSON pointer for body fields (`/stock_use_rule/max_coupons`), the name
//! for query and path parameters — with the rejected value and the issue.
//!
//! Field names come from the decoder, never from error text: the [`Schema`] says which fields
//! are required (checked before typed decoding, so a missing nested field is named with its
//! full pointer), which enum values exist and what type a parameter's text must parse as;
//! `serde_path_to_error` gives the path of anything else the typed decoding rejects.
//!
//! Two things the decoder does beyond the inverse of `build()`, because a server does them: an
//! absent field with a spec `default` gets it, and an enum value must be one the spec lists.
//! WeChat Pay's own documents spell some values in two cases (`COLOR010`, `Color010`), so a
//! value that matches a listed one ignoring ASCII case is accepted and read as the spec spells
//! it.
//!
//! How a failure is named and rejected (location, JSON pointer, the `PARAM_ERROR` texts) lives in
//! the `failures` submodule.

use std::cell::OnceCell;

use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

mod failures;

use super::reject::{Detail, Rejection};
use super::schema::{FieldSchema, Route, Schema, Segment, ValueSchema};
use super::upload::Form;
use super::values::{Problem, check_object, scalar};
use failures::{Location, bad_value, missing, missing_in_body, pointer_of, typed};

/// The typed input of an operation, decoded from a request (generated for every operation).
pub trait Decode: Sized {
    /// Decodes path parameters, query and body; the spec's `validate()` runs afterwards.
    fn decode(request: &Request<'_>) -> Result<Self, Rejection>;
}

/// A request matched to an operation, its parts still raw.
#[derive(Debug)]
pub struct Request<'a> {
    schema: &'static Schema,
    route: &'static Route,
    params: Vec<&'a str>,
    query: &'a str,
    body: &'a [u8],
    /// The `Content-Type` header, when the server passed it (named when an upload's is wrong).
    content_type: Option<&'a str>,
    /// An upload's parts, as the server's framework parsed them.
    form: Option<Form<'a>>,
    /// The body as decoded (defaults filled in, enum spellings as the spec has them), to echo
    /// the value a later check rejects.
    json: OnceCell<Value>,
}

impl<'a> Request<'a> {
    pub(crate) fn new(
        schema: &'static Schema,
        route: &'static Route,
        params: Vec<&'a str>,
        query: &'a str,
        body: &'a [u8],
    ) -> Self {
        Request {
            schema,
            route,
            params,
            query,
            body,
            content_type: None,
            form: None,
            json: OnceCell::new(),
        }
    }

    /// The request with its `Content-Type` header (an upload's rejection names a wrong one).
    #[must_use]
    pub fn with_content_type(mut self, content_type: Option<&'a str>) -> Self {
        self.content_type = content_type;
        self
    }

    /// The `Content-Type` header, when given with [`with_content_type`](Self::with_content_type).
    pub fn content_type(&self) -> Option<&'a str> {
        self.content_type
    }

    /// The request with an upload's body as the server's framework parsed it: the parts an
    /// upload's [`upload`](Self::upload) and [`upload_file`](Self::upload_file) check.
    #[must_use]
    pub fn with_form(mut self, form: Form<'a>) -> Self {
        self.form = Some(form);
        self
    }

    /// The upload's form, when given with [`with_form`](Self::with_form).
    pub fn form(&self) -> Option<Form<'a>> {
        self.form
    }

    /// The spec's operation id.
    pub fn operation(&self) -> &'static str {
        self.route.operation
    }

    /// The operation's route.
    pub fn route(&self) -> &'static Route {
        self.route
    }

    /// The schema the route belongs to.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// The path parameters as received (percent-encoded), in template order.
    pub fn raw_params(&self) -> &[&'a str] {
        &self.params
    }

    /// The query string as received, without `?`.
    pub fn raw_query(&self) -> &'a str {
        self.query
    }

    /// The body bytes as received.
    pub fn raw_body(&self) -> &'a [u8] {
        self.body
    }

    /// The path parameter `name`, percent-decoded and parsed as the spec's type.
    pub fn path_param<T: DeserializeOwned>(&self, name: &str) -> Result<T, Rejection> {
        let field = self.path_field(name);
        let text = self.decoded_param(name)?;
        if text.is_empty() {
            return Err(missing(Location::Path, name));
        }
        let value = scalar(self.schema, &field, &text).map_err(|issue| {
            bad_value(Location::Path, name, Value::String(text.clone()), &issue)
        })?;
        typed(Location::Path, &value)
    }

    /// The query string as the operation's query type: each parameter parsed as the spec's
    /// type, absent ones given their default. A repeated parameter, a missing (or empty)
    /// required one, a value of the wrong type and an enum value the spec does not list are
    /// errors; parameters the spec does not know are ignored.
    pub fn query<T: DeserializeOwned>(&self) -> Result<T, Rejection> {
        let pairs = query_pairs(self.query)?;
        if let Some((name, _)) = pairs
            .iter()
            .enumerate()
            .find(|(i, (name, _))| pairs[..*i].iter().any(|(earlier, _)| earlier == name))
            .map(|(_, pair)| pair)
        {
            return Err(Rejection::param(format!("查询参数 {name} 重复")).detail(
                Detail::at(Location::Query.as_str(), name.clone())
                    .issue("the parameter appears more than once"),
            ));
        }
        let mut object = Map::new();
        for field in self.route.query {
            let given = pairs
                .iter()
                .find(|(name, _)| name == field.wire)
                .map(|(_, value)| value.as_str());
            let text = match given {
                Some("") | None if field.required => {
                    return Err(missing(Location::Query, field.wire));
                }
                Some(text) => text,
                None => match field.default {
                    Some(default) => default,
                    None => continue,
                },
            };
            let value = scalar(self.schema, field, text).map_err(|issue| {
                bad_value(
                    Location::Query,
                    field.wire,
                    Value::String(text.to_owned()),
                    &issue,
                )
            })?;
            object.insert(field.wire.to_owned(), value);
        }
        typed(Location::Query, &Value::Object(object))
    }

    /// The JSON body as the operation's body type: required fields present (at any depth),
    /// enum values listed, absent fields given their default, then typed.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, Rejection> {
        let mut value: Value = serde_json::from_slice(self.body).map_err(|e| {
            Rejection::param(format!("请求体不是合法的 JSON：{e}"))
                .detail(Detail::at(Location::Body.as_str(), "/").issue(e.to_string()))
        })?;
        if let (Some(body), Value::Object(object)) = (self.route.body, &mut value) {
            let fields = self.schema.fields_of(body);
            check_object(self.schema, fields, object, "").map_err(|problem| match problem {
                Problem::Missing { pointer, name } => missing_in_body(&pointer, name),
                Problem::Value {
                    pointer,
                    value,
                    issue,
                } => {
                    let name = pointer.rsplit('/').next().unwrap_or_default();
                    bad_value(Location::Body, name, value, &issue).with_field(&pointer)
                }
            })?;
        }
        let decoded = typed(Location::Body, &value);
        let _ = self.json.set(value);
        decoded
    }

    /// The `400 PARAM_ERROR` for a failed `validate()` of the decoded input (what the client's
    /// `build()` reports as `body.stock_id`, `query.limit`, `path.openid`).
    pub(crate) fn invalid(&self, error: &crate::Error) -> Rejection {
        let crate::Error::InvalidRequest { field, problem } = error else {
            return Rejection::param(format!("参数错误：{error}"));
        };
        let (root, rest) = field.split_once('.').unwrap_or((field.as_str(), ""));
        if self.route.upload.is_some_and(|u| u.file_part == root) {
            return super::upload::invalid_file(field, problem);
        }
        let (location, name, value) = match root {
            "body" => {
                let pointer = pointer_of(rest);
                let value = self
                    .json
                    .get()
                    .and_then(|json| json.pointer(&pointer))
                    .cloned();
                (Location::Body, pointer, value)
            }
            "query" => {
                let value = query_pairs(self.query).ok().and_then(|pairs| {
                    pairs
                        .into_iter()
                        .find(|(name, _)| name == rest)
                        .map(|(_, value)| Value::String(value))
                });
                (Location::Query, rest.to_owned(), value)
            }
            _ => {
                let value = self.decoded_param(rest).ok().map(Value::String);
                (Location::Path, rest.to_owned(), value)
            }
        };
        let shown = if location == Location::Body {
            name.clone()
        } else {
            format!("/{name}")
        };
        // The page size of a list operation has its own message at WeChat Pay.
        let too_big = location == Location::Query
            && self.route.page_limit == Some(rest)
            && value
                .as_ref()
                .and_then(Value::as_str)
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|v| v > 0);
        let message = if too_big {
            "页大小超过阈值".to_owned()
        } else {
            format!(
                "输入源“/{}{shown}”映射到字段“{rest}”校验失败：{problem}",
                location.as_str()
            )
        };
        let mut detail = Detail::at(location.as_str(), name).issue(problem.clone());
        detail.value = value;
        Rejection::param(message).detail(detail)
    }

    fn path_field(&self, name: &str) -> FieldSchema {
        self.route
            .path_params
            .iter()
            .find(|f| f.wire == name)
            .copied()
            .unwrap_or(FieldSchema::required("", ValueSchema::String))
    }

    fn decoded_param(&self, name: &str) -> Result<String, Rejection> {
        let index = self
            .route
            .segments
            .iter()
            .filter_map(|s| match s {
                Segment::Param(param) => Some(*param),
                Segment::Literal(_) => None,
            })
            .position(|param| param == name);
        let raw = index
            .and_then(|i| self.params.get(i))
            .copied()
            .unwrap_or("");
        percent_decode_str(raw)
            .decode_utf8()
            .map(|text| text.into_owned())
            .map_err(|_| {
                Rejection::param(format!("{name} 不是合法的 UTF-8")).detail(
                    Detail::at(Location::Path.as_str(), name)
                        .value(raw.to_owned())
                        .issue("percent-decodes to invalid UTF-8"),
                )
            })
    }
}

/// The query string's `name=value` pairs, percent-decoded (`+` is a space, as in forms).
fn query_pairs(query: &str) -> Result<Vec<(String, String)>, Rejection> {
    let decode = |text: &str| {
        percent_decode_str(&text.replace('+', " "))
            .decode_utf8()
            .map(|t| t.into_owned())
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name).unwrap_or_else(|_| name.to_owned());
            match decode(value) {
                Ok(value) => Ok((name, value)),
                Err(_) => Err(
                    Rejection::param(format!("查询参数 {name} 不是合法的 UTF-8")).detail(
                        Detail::at(Location::Query.as_str(), name.clone())
                            .value(value.to_owned())
                            .issue("percent-decodes to invalid UTF-8"),
                    ),
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_decode_like_forms() {
        let pairs = query_pairs("a=1&b=x+y%26z&c&&d=").unwrap();
        assert_eq!(
            pairs,
            [
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "x y&z".to_owned()),
                ("c".to_owned(), String::new()),
                ("d".to_owned(), String::new()),
            ]
        );
        let err = query_pairs("a=%FF").unwrap_err();
        assert_eq!(err.detail.unwrap().field.as_deref(), Some("a"));
    }
}
