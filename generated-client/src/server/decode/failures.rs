//! How a decoding failure is reported, the way WeChat Pay does: where the input sits
//! ([`Location`]), the JSON pointer of a body field, and the `400 PARAM_ERROR` rejections for a
//! missing or malformed value, including what typed decoding still rejects.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::server::reject::{Detail, Rejection};
use crate::server::values::escape;

/// Where an input sits, as `detail.location` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Location {
    Path,
    Query,
    Body,
}

impl Location {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Location::Path => "uri_template",
            Location::Query => "query",
            Location::Body => "body",
        }
    }
}

/// Typed decoding of an already checked value; `serde_path_to_error` names what still fails (a
/// JSON type the field does not take, a number too big for its width).
pub(super) fn typed<T: DeserializeOwned>(
    location: Location,
    value: &Value,
) -> Result<T, Rejection> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let mut pointer = String::new();
        for segment in error.path().iter() {
            pointer.push('/');
            match segment {
                serde_path_to_error::Segment::Seq { index } => pointer.push_str(&index.to_string()),
                serde_path_to_error::Segment::Map { key } => pointer.push_str(&escape(key)),
                serde_path_to_error::Segment::Enum { variant } => {
                    pointer.push_str(&escape(variant))
                }
                serde_path_to_error::Segment::Unknown => pointer.push('?'),
            }
        }
        let rejected = value.pointer(&pointer).cloned().unwrap_or(Value::Null);
        let issue = error.inner().to_string();
        match location {
            Location::Body => {
                let shown = if pointer.is_empty() {
                    "/".to_owned()
                } else {
                    pointer
                };
                let name = shown.rsplit('/').next().unwrap_or_default().to_owned();
                bad_value(location, &name, rejected, &issue).with_field(&shown)
            }
            _ => {
                let name = pointer.trim_start_matches('/').to_owned();
                bad_value(location, &name, rejected, &issue)
            }
        }
    })
}

/// `goods_detail[0].goods_id` (a `FieldPath` below its root, as `validate()` reports it) →
/// `/goods_detail/0/goods_id`. Spec names are `[A-Za-z0-9_-]`, so `.` and `[` only separate.
pub(super) fn pointer_of(path: &str) -> String {
    let mut pointer = String::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, indexes) = part.split_once('[').unwrap_or((part, ""));
        pointer.push('/');
        pointer.push_str(&escape(name));
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            pointer.push('/');
            pointer.push_str(index.trim_end_matches(']'));
        }
    }
    pointer
}

pub(super) fn missing(location: Location, name: &str) -> Rejection {
    let mut detail = Detail::at(location.as_str(), name).issue(format!("{name} is required"));
    if location == Location::Path {
        detail.value = Some(Value::String(String::new()));
    }
    Rejection::param(format!("{name} 必填")).detail(detail)
}

pub(super) fn missing_in_body(pointer: &str, name: &str) -> Rejection {
    Rejection::param(format!(
        "输入源“/body{pointer}”映射到字段“{name}”必填性规则校验失败，此字段为必填项"
    ))
    .detail(Detail::at(Location::Body.as_str(), pointer).issue("required field is missing"))
}

pub(super) fn bad_value(location: Location, name: &str, value: Value, issue: &str) -> Rejection {
    let message = match location {
        Location::Query => format!("查询参数 {name} 格式错误：{issue}"),
        Location::Path => format!("路径参数 {name} 格式错误：{issue}"),
        Location::Body => format!("请求体字段 {name} 格式错误：{issue}"),
    };
    Rejection::param(message).detail(
        Detail::at(location.as_str(), name)
            .value(value)
            .issue(issue.to_owned()),
    )
}

impl Rejection {
    /// Replaces `detail.field` (a body field is named by its whole pointer).
    pub(super) fn with_field(mut self, field: &str) -> Self {
        if let Some(detail) = &mut self.detail {
            detail.field = Some(field.to_owned());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers() {
        assert_eq!(pointer_of("stock_id"), "/stock_id");
        assert_eq!(
            pointer_of("goods_detail[0].goods_id"),
            "/goods_detail/0/goods_id"
        );
        assert_eq!(pointer_of("a[1][2]"), "/a/1/2");
        assert_eq!(pointer_of(""), "");
        assert_eq!(escape("a/b~c"), "a~1b~0c");
    }
}
