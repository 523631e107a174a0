//! The HTTP API: one module per resource, merged here, plus the OpenAPI document and the page
//! that renders it (`/docs`, not part of the document).

pub mod assignment;
pub mod auth;
pub mod comments;
pub mod docs;
pub mod events;
pub mod health;
pub mod history;
pub mod logs;
pub mod notify;
mod openapi;
pub mod sla;
pub mod stats;
pub mod tags;
pub mod tickets;
pub mod users;
pub mod views;

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use self::openapi::SharedResponses;

use crate::error::AppError;
use crate::state::AppState;

/// Every route of the API.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(tickets::router())
        .merge(history::router())
        .merge(comments::router())
        .merge(views::router())
        .merge(tags::router())
        .merge(events::router())
        .merge(logs::router())
        .merge(assignment::router())
        .merge(sla::router())
        .merge(notify::router())
        .merge(stats::router())
        .route("/openapi.json", get(openapi))
        .merge(docs::router())
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

#[derive(OpenApi)]
#[openapi(
    info(title = "tms", description = "A helpdesk: tickets, comments, users and an activity log."),
    paths(
        health::root, health::health,
        auth::login, auth::token, auth::signup, auth::logout, auth::me, auth::change_password,
        users::list, users::create, users::read, users::update, users::deactivate, users::agents,
        users::directory,
        assignment::read, assignment::update, assignment::away,
        sla::read, sla::update,
        notify::read_settings, notify::update_settings,
        notify::list, notify::create, notify::remove, notify::deliveries,
        tickets::list, tickets::agent_queue, tickets::read, tickets::create, tickets::update, tickets::bulk, tickets::delete,
        history::list,
        comments::create, comments::update, comments::delete,
        views::list, views::create, views::update, views::delete,
        tags::list,
        stats::read,
        events::stream,
        logs::list, logs::list_for_user, logs::clear, logs::clear_for_user,
    ),
    components(schemas(tms_core::api::SortKey)),
    modifiers(&BearerAuth, &SharedResponses),
    tags(
        (name = "Health"), (name = "Authentication"), (name = "Admin"), (name = "Ticket"),
        (name = "Comments"), (name = "Views"), (name = "Activity Logs"), (name = "Notifications"),
    )
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document of this API, generated from the handlers.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
