//! The HTTP API: one module per resource, merged here, plus the OpenAPI document.

pub mod auth;
mod changes;
pub mod comments;
pub mod health;
pub mod logs;
pub mod tickets;
pub mod users;

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::AppError;
use crate::state::AppState;

/// Every route of the API.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(tickets::router())
        .merge(comments::router())
        .merge(logs::router())
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> AppError {
    AppError::NotFound("Not Found".into())
}

async fn method_not_allowed() -> impl axum::response::IntoResponse {
    (
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        Json(tms_core::api::ErrorBody {
            detail: "Method Not Allowed".into(),
        }),
    )
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Replies any route can give, whatever its handler does: a request the HTTP layer could not
/// take (e.g. bytes in the path that are not UTF-8), one not done within the time limit, a
/// query string or headers over their limits. Added to every operation that does not already
/// document them.
struct TransportResponses;

impl Modify for TransportResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        let common = [
            ("400", "Malformed request"),
            (
                "408",
                "The request took longer than the server's time limit",
            ),
            ("414", "Query string over 8 KiB"),
            ("431", "Request headers over 16 KiB"),
        ];
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                for (code, description) in common {
                    op.responses
                        .responses
                        .entry(code.to_string())
                        .or_insert_with(|| error(description).into());
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "tms", description = "A helpdesk: tickets, comments, users and an activity log."),
    paths(
        health::root, health::health,
        auth::login, auth::token, auth::signup, auth::logout, auth::me, auth::change_password,
        users::list, users::create, users::read, users::update, users::deactivate, users::agents,
        tickets::list, tickets::agent_queue, tickets::read, tickets::create, tickets::update, tickets::delete,
        comments::create, comments::update, comments::delete,
        logs::list, logs::list_for_user, logs::clear, logs::clear_for_user,
    ),
    components(schemas(tms_core::api::SortKey)),
    modifiers(&BearerAuth, &TransportResponses),
    tags(
        (name = "Health"), (name = "Authentication"), (name = "Admin"), (name = "Ticket"),
        (name = "Comments"), (name = "Activity Logs"),
    )
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document of this API, generated from the handlers.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
