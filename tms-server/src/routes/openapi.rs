//! The replies many operations share, added to the OpenAPI document in one place instead of
//! being listed by every handler: what the HTTP layer answers on any route, what every
//! authenticated route answers without a valid session, what every route with a JSON body or
//! a path id answers to a bad one. A handler lists only what is particular to it; a status it
//! lists itself is left as it is.

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, Response, ResponseBuilder};

fn reply(description: &str, schema: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema)))
                .build(),
        )
        .build()
}

/// Whether the operation requires a bearer token (an optional one is `[{}, {"bearer": []}]`).
fn requires_login(op: &Operation) -> bool {
    let Ok(serde_json::Value::Array(alternatives)) = serde_json::to_value(&op.security) else {
        return false;
    };
    !alternatives.is_empty()
        && alternatives
            .iter()
            .all(|a| a.as_object().is_some_and(|o| o.contains_key("bearer")))
}

fn has_path_id(op: &Operation) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path))
}

fn has_query(op: &Operation) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query))
}

/// The shared replies an operation gets: status, description, body schema.
fn shared(op: &Operation) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out = vec![
        ("400", "Malformed request or body", "ErrorBody"),
        (
            "408",
            "The request took longer than the server's time limit",
            "ErrorBody",
        ),
        ("414", "Query string over 8 KiB", "ErrorBody"),
        ("431", "Request headers over 16 KiB", "ErrorBody"),
    ];
    if requires_login(op) {
        out.push(("401", "Not logged in, or the session ended", "ErrorBody"));
    }
    if op.request_body.is_some() {
        out.push(("413", "Body over 1 MiB", "ErrorBody"));
    }
    let invalid = match (op.request_body.is_some(), has_path_id(op), has_query(op)) {
        (true, true, _) => Some("Invalid field or id"),
        (true, false, _) => Some("Invalid field"),
        (false, true, true) => Some("Invalid id or parameter"),
        (false, true, false) => Some("Invalid id"),
        (false, false, true) => Some("Invalid parameter"),
        (false, false, false) => None,
    };
    if let Some(description) = invalid {
        out.push(("422", description, "ValidationErrorBody"));
    }
    out
}

pub struct SharedResponses;

impl Modify for SharedResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                for (code, description, schema) in shared(op) {
                    op.responses
                        .responses
                        .entry(code.to_string())
                        .or_insert_with(|| reply(description, schema).into());
                }
            }
        }
    }
}
