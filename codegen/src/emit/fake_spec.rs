//! `fake.json`: what the fake needs to know of every operation beyond what the client does —
//! its path template, documentation page, documented error codes, and each field's place, type
//! and limits. Only builds with the `fake` feature read it, so it is written as data the fake
//! loads once, not as Rust that every reader of the generated code and the compiler would
//! wade through.

use serde::Serialize;

use crate::ir::{Api, Content, Endpoint, Field, Placement, Struct, Type};
use crate::model::{EnumRepr, Literal};

/// The whole file: a header key, then one entry per operation, each field on one line.
pub fn emit(api: &Api) -> Result<String, String> {
    let shared: Vec<&Struct> =
        api.objects.iter().chain(api.contents.iter().flat_map(|c| &c.objects)).collect();
    let mut out = String::from(
        "{\n  \"@generated\": \"by cargo xtask codegen from spec/; DO NOT EDIT\",\n  \"operations\": {",
    );
    let mut first = true;
    for resource in api.versions.values().flatten() {
        let objects: Vec<&Struct> = resource.objects.iter().chain(shared.iter().copied()).collect();
        let types = Types { api, objects };
        for endpoint in &resource.endpoints {
            let operation = resource.operation_id(endpoint);
            out.push_str(if first { "\n" } else { ",\n" });
            first = false;
            out.push_str(&format!("    {}: ", json(&operation)));
            types.operation(endpoint, &mut out)?;
        }
    }
    out.push_str("\n  }\n}\n");
    Ok(out)
}

/// A field as the fake reads it.
#[derive(Serialize)]
struct FieldSpec<'a> {
    name: &'a str,
    #[serde(rename = "in")]
    place: &'static str,
    #[serde(rename = "type")]
    ty: TypeSpec<'a>,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<i64>,
    /// The largest integer, or a file's largest size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_items: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_items: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    example: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum TypeSpec<'a> {
    String,
    Integer,
    Boolean,
    Json,
    File,
    Enum(Vec<String>),
    IntEnum(Vec<i64>),
    Array(Box<TypeSpec<'a>>),
    Object(Vec<FieldSpec<'a>>),
    Content { tag: &'a str, field: &'a str, kinds: Vec<KindSpec<'a>> },
}

#[derive(Serialize)]
struct KindSpec<'a> {
    kind: &'a str,
    /// `None` for free-form JSON or text.
    fields: Option<Vec<FieldSpec<'a>>>,
    /// Text kept as sent, JSON or not.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    text: bool,
}

/// Resolves the names fields refer to: the spec's enums and contents, and the objects a
/// resource's fields may name (its own and the shared ones).
struct Types<'a> {
    api: &'a Api,
    objects: Vec<&'a Struct>,
}

impl<'a> Types<'a> {
    fn operation(&self, e: &'a Endpoint, out: &mut String) -> Result<(), String> {
        out.push_str(&format!(
            "{{\n      \"path\": {},\n      \"docs\": {}",
            json(&e.path),
            json(&e.docs)
        ));
        if let Some(limit) = &e.recipient_limit {
            out.push_str(&format!(",\n      \"recipient_field\": {}", json(&limit.field)));
        }
        let errors: Vec<i64> = e.errors.iter().map(|(code, _, _)| *code).collect();
        if !errors.is_empty() {
            out.push_str(&format!(",\n      \"errors\": {}", json(&errors)));
        }
        if !e.error_msgs.is_empty() {
            out.push_str(&format!(",\n      \"error_msgs\": {}", json(&e.error_msgs)));
        }
        // An aliased response is described by its object's fields.
        let response = match &e.response_type {
            Some(name) => &self.object(name)?.fields,
            None => &e.response.fields,
        };
        for (key, fields) in [("params", &e.request.fields), ("response", response)] {
            if fields.is_empty() {
                continue;
            }
            out.push_str(&format!(",\n      \"{key}\": ["));
            for (i, field) in fields.iter().enumerate() {
                out.push_str(if i == 0 { "\n        " } else { ",\n        " });
                out.push_str(&json(&self.field(field)?));
            }
            out.push_str("\n      ]");
        }
        out.push_str("\n    }");
        Ok(())
    }

    fn field(&self, f: &'a Field) -> Result<FieldSpec<'a>, String> {
        Ok(FieldSpec {
            name: &f.name,
            place: match f.placement {
                Placement::Path => "path",
                Placement::Query => "query",
                Placement::Body => "body",
                Placement::Data => "data",
            },
            ty: self.ty(&f.ty)?,
            required: f.required,
            min: f.min,
            max: f.max.or(f.max_bytes.and_then(|m| i64::try_from(m).ok())),
            min_items: f.min_items,
            max_items: f.max_items,
            default: f.default.as_ref().map(Literal::to_string),
            example: f.example.as_ref().map(Literal::to_string),
        })
    }

    fn ty(&self, ty: &'a Type) -> Result<TypeSpec<'a>, String> {
        Ok(match ty {
            // Timestamps travel as strings of digits.
            Type::String | Type::Timestamp(_) | Type::Count => TypeSpec::String,
            Type::Integer => TypeSpec::Integer,
            Type::Boolean => TypeSpec::Boolean,
            Type::Json => TypeSpec::Json,
            Type::File => TypeSpec::File,
            Type::Vec(inner) => TypeSpec::Array(Box::new(self.ty(inner)?)),
            Type::Enum(name) => {
                let def = self.api.enums.iter().find(|e| &e.name == name);
                let def = def.ok_or_else(|| format!("enum `{name}` is not declared"))?;
                match def.repr {
                    EnumRepr::String => {
                        TypeSpec::Enum(def.variants.iter().map(|v| v.value.to_string()).collect())
                    }
                    // Validation makes every value of an integer enum an integer.
                    EnumRepr::Integer => TypeSpec::IntEnum(
                        def.variants
                            .iter()
                            .filter_map(|v| match v.value {
                                Literal::Integer(i) => Some(i),
                                _ => None,
                            })
                            .collect(),
                    ),
                }
            }
            Type::Object(name) => TypeSpec::Object(self.fields(&self.object(name)?.fields)?),
            Type::Content(name) => self.content(name)?,
        })
    }

    fn fields(&self, fields: &'a [Field]) -> Result<Vec<FieldSpec<'a>>, String> {
        fields.iter().map(|f| self.field(f)).collect()
    }

    fn object(&self, name: &str) -> Result<&'a Struct, String> {
        let object = self.objects.iter().find(|o| o.name == name);
        object.copied().ok_or_else(|| format!("object `{name}` is not declared"))
    }

    /// Each kind with its object's fields.
    fn content(&self, name: &str) -> Result<TypeSpec<'a>, String> {
        let content: &'a Content = self
            .api
            .contents
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| format!("content `{name}` is not declared"))?;
        let kinds = content.kinds.iter().map(|k| {
            let fields = match &k.body {
                Some(body) => Some(self.fields(&self.object(body)?.fields)?),
                None => None,
            };
            Ok(KindSpec { kind: &k.value, fields, text: k.text })
        });
        Ok(TypeSpec::Content {
            tag: &content.tag,
            field: &content.field,
            kinds: kinds.collect::<Result<_, String>>()?,
        })
    }
}

/// `value` as one line of JSON.
fn json(value: &impl Serialize) -> String {
    // Serializing these plain structs of strings and numbers cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}
