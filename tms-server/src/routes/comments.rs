//! Comments: add to a ticket the caller sees; edit and delete under the ownership rules.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{post, put};
use axum::{Json, Router};
use tms_core::api::{Comment, CommentUpdate, NewCommentRequest};

use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser, Id};
use crate::service::comments;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/comments", post(create))
        .route("/api/v1/comments/{id}", put(update).delete(delete))
}

/// Comment on a ticket, or (staff) write an internal note on it; the author is always the
/// caller. A Requester's comment on a Waiting or Resolved ticket moves it back to Open.
#[utoipa::path(post, path = "/api/v1/comments/", tag = "Comments", request_body = NewCommentRequest,
    responses(
        (status = 201, description = "Created", body = Comment),
        (status = 403, description = "Only staff write internal notes", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such ticket, or not yours to see", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NewCommentRequest>,
) -> Result<(StatusCode, Json<Comment>), AppError> {
    let comment = comments::create(&state, caller.actor(), req).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

/// Edit a comment's text. A comment never moves to another ticket.
#[utoipa::path(put, path = "/api/v1/comments/{id}", tag = "Comments", request_body = CommentUpdate,
    params(("id" = i64, Path, description = "Comment id")),
    responses(
        (status = 200, description = "The updated comment", body = Comment),
        (status = 403, description = "Not your comment", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such comment, or not yours to see", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
    ApiJson(req): ApiJson<CommentUpdate>,
) -> Result<Json<Comment>, AppError> {
    Ok(Json(
        comments::update(&state, caller.actor(), id, req).await?,
    ))
}

/// Delete a comment.
#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "Comments",
    params(("id" = i64, Path, description = "Comment id")),
    responses(
        (status = 200, description = "The deleted comment", body = Comment),
        (status = 403, description = "Not your comment", body = tms_core::api::ErrorBody),
        (status = 404, description = "No such comment, or not yours to see", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: AuthUser,
    Id(id): Id,
) -> Result<Json<Comment>, AppError> {
    Ok(Json(comments::delete(&state, caller.actor(), id).await?))
}
