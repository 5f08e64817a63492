//! Strict validation of a request against the spec's field descriptions.

use serde_json::{Map, Value};

use super::http::FormPart;
use super::spec::{FieldMeta, In, KindShape, OperationSpec, ValueType};
use feishu_im::FieldViolation;

/// The request as one JSON object, as the generated request type decodes it: path
/// parameters, query parameters typed by the spec (lists from repeated names), and body
/// fields. A query parameter left out gets the spec's default, as the server applies it.
pub(crate) fn typed_input(
    meta: &OperationSpec,
    path: &[(&str, String)],
    query: &[(String, String)],
    body: Option<Value>,
) -> Value {
    let mut input = match body {
        Some(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    for (name, value) in path {
        input.insert((*name).to_owned(), Value::String(value.clone()));
    }
    for field in meta.params.iter().filter(|f| f.location == In::Query) {
        let mut sent = query.iter().filter(|(n, _)| n == field.name).map(|(_, v)| v.as_str());
        let value = match field.ty {
            ValueType::Array(item) => {
                Value::Array(sent.map(|text| typed_text(item, text)).collect())
            }
            ref ty => match sent.next().or(field.default) {
                Some(text) => typed_text(ty, text),
                None => continue,
            },
        };
        input.insert(field.name.to_owned(), value);
    }
    Value::Object(input)
}

/// A query text as the JSON value of its type; text that does not parse stays text (the
/// request was validated before).
fn typed_text(ty: &ValueType, text: &str) -> Value {
    let parsed = match ty {
        ValueType::Integer | ValueType::IntEnum(_) => text.parse::<i64>().ok().map(Value::from),
        ValueType::Boolean => text.parse::<bool>().ok().map(Value::from),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// Checks the query pairs and JSON body of a request; path params were matched by routing.
pub(crate) fn request(
    params: &[FieldMeta],
    query: &[(String, String)],
    body: Option<&Value>,
    form: Option<&[FormPart]>,
) -> Vec<FieldViolation> {
    let mut violations = Vec::new();
    for field in params {
        match field.location {
            In::Query => {
                let values: Vec<&str> = query
                    .iter()
                    .filter(|(n, _)| n == field.name)
                    .map(|(_, v)| v.as_str())
                    .collect();
                if values.is_empty() {
                    if field.required {
                        violations.push(FieldViolation::new(field.name, "is required"));
                    }
                    continue;
                }
                let element = match field.ty {
                    ValueType::Array(inner) => inner,
                    _ if values.len() > 1 => {
                        violations.push(FieldViolation::new(field.name, "is given more than once"));
                        continue;
                    }
                    ref ty => ty,
                };
                for text in values {
                    if let Err(problem) = query_value(field, element, text) {
                        violations.push(FieldViolation::new(field.name, problem).with_value(text));
                    }
                }
            }
            In::Body if field.ty == ValueType::File => file(field, form, &mut violations),
            In::Body if matches!(field.ty, ValueType::Content { .. }) => {
                content(field, body, &mut violations);
            }
            In::Body => {
                let value = body.and_then(|b| b.get(field.name)).filter(|v| !v.is_null());
                match value {
                    None if field.required => {
                        violations.push(FieldViolation::new(field.name, "is required"))
                    }
                    None => {}
                    Some(value) => json_value(field.name, field, &field.ty, value, &mut violations),
                }
            }
            In::Path | In::Data => {}
        }
    }
    if params.iter().any(|f| f.location == In::Body) && !matches!(body, Some(Value::Object(_))) {
        violations.push(FieldViolation::new("body", "must be a JSON object"));
    }
    violations
}

/// The file part of a multipart body: present, not empty, within its size.
fn file(field: &FieldMeta, form: Option<&[FormPart]>, out: &mut Vec<FieldViolation>) {
    let part = form.into_iter().flatten().find(|p| p.name == field.name && p.file_name.is_some());
    match part {
        None => out.push(FieldViolation::new(field.name, "a file part is required")),
        Some(part) if part.bytes.is_empty() => {
            out.push(FieldViolation::new(field.name, "the file is empty"));
        }
        Some(part) if field.max.is_some_and(|max| part.bytes.len() as i64 > max) => {
            out.push(FieldViolation::new(
                field.name,
                format!("the file is larger than {} bytes", field.max.unwrap_or_default()),
            ))
        }
        Some(_) => {}
    }
}

/// The text parts of a multipart body as the JSON object a JSON body would be, typed by the
/// spec.
pub(crate) fn form_body(params: &[FieldMeta], form: &[FormPart]) -> Value {
    let mut body = Map::new();
    for part in form.iter().filter(|p| p.file_name.is_none()) {
        let text = String::from_utf8_lossy(&part.bytes);
        let ty = params.iter().find(|f| f.name == part.name).map_or(&ValueType::String, |f| &f.ty);
        body.insert(part.name.clone(), typed_text(ty, &text));
    }
    Value::Object(body)
}

/// Content: the tag field names a kind, the content field holds JSON text of that kind.
fn content(field: &FieldMeta, body: Option<&Value>, out: &mut Vec<FieldViolation>) {
    let ValueType::Content { tag, field: name, kinds } = field.ty else { return };
    let kind = body.and_then(|b| b.get(tag)).and_then(Value::as_str);
    let text = body.and_then(|b| b.get(name)).and_then(Value::as_str);
    let (Some(kind), Some(text)) = (kind, text) else {
        out.push(FieldViolation::new(
            name,
            format!("`{tag}` and `{name}` (JSON text) are required"),
        ));
        return;
    };
    let Some((_, shape)) = kinds.iter().find(|(k, _)| *k == kind) else {
        let known: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
        out.push(
            FieldViolation::new(tag, format!("must be one of {}", known.join(", ")))
                .with_value(kind),
        );
        return;
    };
    if *shape == KindShape::Text {
        return;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => {
            if let KindShape::Object(fields) = shape {
                json_value(name, field, &ValueType::Object(fields), &value, out);
            }
        }
        _ => out.push(
            FieldViolation::new(name, format!("must be the JSON text of a `{kind}` object"))
                .with_value(text),
        ),
    }
}

fn query_value(field: &FieldMeta, ty: &ValueType, text: &str) -> Result<(), String> {
    match ty {
        ValueType::String => Ok(()),
        ValueType::Boolean => match text {
            "true" | "false" => Ok(()),
            _ => Err("must be true or false".into()),
        },
        ValueType::Integer => {
            let n: i64 = text.parse().map_err(|_| "must be an integer".to_owned())?;
            limits(field, n)
        }
        ValueType::Enum(values) if values.contains(&text) => Ok(()),
        ValueType::Enum(values) => Err(format!("must be one of {}", values.join(", "))),
        ValueType::IntEnum(values) => match text.parse::<i64>() {
            Ok(n) if values.contains(&n) => Ok(()),
            _ => Err(format!("must be one of {values:?}")),
        },
        ValueType::Array(_)
        | ValueType::Object(_)
        | ValueType::Json
        | ValueType::File
        | ValueType::Content { .. } => Err("cannot be sent in the query".into()),
    }
}

fn limits(field: &FieldMeta, n: i64) -> Result<(), String> {
    if field.min.is_some_and(|min| n < min) || field.max.is_some_and(|max| n > max) {
        let min = field.min.map_or("-∞".into(), |m| m.to_string());
        let max = field.max.map_or("∞".into(), |m| m.to_string());
        return Err(format!("must be between {min} and {max}"));
    }
    Ok(())
}

fn json_value(
    path: &str,
    field: &FieldMeta,
    ty: &ValueType,
    value: &Value,
    out: &mut Vec<FieldViolation>,
) {
    let mut fail = |problem: String| {
        out.push(FieldViolation::new(path, problem).with_value(&value.to_string()))
    };
    match (ty, value) {
        (ValueType::String, Value::String(_)) | (ValueType::Boolean, Value::Bool(_)) => {}
        (ValueType::Json, _) => {}
        (ValueType::Integer, Value::Number(n)) if n.is_i64() => {
            if let Err(problem) = limits(field, n.as_i64().unwrap_or_default()) {
                fail(problem);
            }
        }
        (ValueType::Enum(values), Value::String(s)) if values.contains(&s.as_str()) => {}
        (ValueType::IntEnum(values), Value::Number(n))
            if n.as_i64().is_some_and(|n| values.contains(&n)) => {}
        (ValueType::Array(inner), Value::Array(items)) => {
            let count = items.len() as u32;
            if field.min_items.is_some_and(|min| count < min) {
                fail(format!("needs at least {} item(s)", field.min_items.unwrap_or_default()));
            } else if field.max_items.is_some_and(|max| count > max) {
                fail(format!("allows at most {} item(s)", field.max_items.unwrap_or_default()));
            }
            for (i, item) in items.iter().enumerate() {
                json_value(&format!("{path}[{i}]"), field, inner, item, out);
            }
        }
        (ValueType::Object(fields), Value::Object(map)) => {
            for inner in fields.iter() {
                let name = format!("{path}.{}", inner.name);
                match map.get(inner.name).filter(|v| !v.is_null()) {
                    None if inner.required => out.push(FieldViolation::new(name, "is required")),
                    None => {}
                    Some(v) => json_value(&name, inner, &inner.ty, v, out),
                }
            }
        }
        (ty, _) => fail(format!("must be {}", describe(ty))),
    }
}

fn describe(ty: &ValueType) -> String {
    match ty {
        ValueType::String => "a string".into(),
        ValueType::Integer => "an integer".into(),
        ValueType::Boolean => "a boolean".into(),
        ValueType::Enum(values) => format!("one of {}", values.join(", ")),
        ValueType::IntEnum(values) => format!("one of {values:?}"),
        ValueType::Array(_) => "an array".into(),
        ValueType::Object(_) => "an object".into(),
        ValueType::Json => "JSON".into(),
        ValueType::File => "a file part".into(),
        ValueType::Content { .. } => "JSON text".into(),
    }
}

/// A `data` value with every field (optional ones too) at the spec's example or a zero value,
/// for endpoints the fake has no behaviour for. Arrays hold one item, so that item types are
/// decoded too.
pub(crate) fn sample_data(fields: &[FieldMeta]) -> Value {
    let mut map = serde_json::Map::new();
    for field in fields {
        map.insert(field.name.into(), sample(field, &field.ty));
    }
    Value::Object(map)
}

fn sample(field: &FieldMeta, ty: &ValueType) -> Value {
    let example = field.example;
    match ty {
        ValueType::String => Value::String(example.unwrap_or_default().into()),
        ValueType::Integer => {
            let value = example.and_then(|e| e.parse().ok()).or(field.min).unwrap_or(0);
            Value::from(value)
        }
        ValueType::Boolean => Value::Bool(example == Some("true")),
        ValueType::Enum(values) => {
            let value = example.or(values.first().copied()).unwrap_or_default();
            Value::String(value.into())
        }
        ValueType::IntEnum(values) => {
            let value = example.and_then(|e| e.parse().ok()).or(values.first().copied());
            Value::from(value.unwrap_or_default())
        }
        ValueType::Array(item) => Value::Array(vec![sample(field, item)]),
        ValueType::Object(fields) => sample_data(fields),
        ValueType::Json => Value::Object(serde_json::Map::new()),
        ValueType::File => Value::Null,
        // Content is sent, never answered; its JSON text is an empty object.
        ValueType::Content { .. } => Value::String("{}".into()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const fn field(name: &'static str, location: In, ty: ValueType, required: bool) -> FieldMeta {
        FieldMeta::new(name, location, ty, required)
    }

    static OWNER: [FieldMeta; 1] = [field("id", In::Data, ValueType::String, true)];

    /// Fields as the generator writes them.
    static PARAMS: [FieldMeta; 5] = [
        field("chat_id", In::Path, ValueType::String, true),
        field("kind", In::Query, ValueType::Enum(&["a", "b"]), false),
        field("size", In::Query, ValueType::Integer, false).range(Some(1), Some(10)),
        field("ids", In::Body, ValueType::Array(&ValueType::String), true).items(Some(1), None),
        field("owner", In::Body, ValueType::Object(&OWNER), false),
    ];

    fn params() -> &'static [FieldMeta] {
        &PARAMS
    }

    fn fields(violations: &[FieldViolation]) -> Vec<&str> {
        violations.iter().filter_map(|v| v.field.as_deref()).collect()
    }

    #[test]
    fn accepts_what_the_spec_allows() {
        let query = [("kind".to_owned(), "a".to_owned()), ("size".to_owned(), "10".to_owned())];
        let body = json!({"ids": ["x"], "owner": {"id": "y"}, "unknown": 1});
        assert!(request(params(), &query, Some(&body), None).is_empty());
    }

    #[test]
    fn names_every_violation() {
        let query = [("kind".to_owned(), "c".to_owned()), ("size".to_owned(), "11".to_owned())];
        let body = json!({"ids": [], "owner": {"id": 3}});
        let violations = request(params(), &query, Some(&body), None);
        assert_eq!(fields(&violations), ["kind", "size", "ids", "owner.id"]);
        assert_eq!(fields(&request(params(), &[], None, None)), ["ids", "body"]);
    }

    #[test]
    fn sample_data_fills_every_field() {
        static RESPONSE: [FieldMeta; 4] = [
            field("has_more", In::Data, ValueType::Boolean, true),
            field("items", In::Data, ValueType::Array(&ValueType::String), true).example("oc_1"),
            field("page_token", In::Data, ValueType::String, false),
            field("size", In::Data, ValueType::Integer, false).range(Some(3), None),
        ];
        let response = &RESPONSE;
        assert_eq!(
            sample_data(response),
            json!({"has_more": false, "items": ["oc_1"], "page_token": "", "size": 3})
        );
    }
}
