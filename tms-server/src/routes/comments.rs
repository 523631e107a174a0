//! Comments: add to a ticket the caller sees; edit and delete under the ownership rules.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{post, put};
use axum::{Json, Router};
use tms_core::ActivityType;
use tms_core::api::{Comment, CommentUpdate, NewCommentRequest};
use tms_core::rules;
use tms_core::timefmt;
use tms_core::validate::Body;

use crate::db::{comments, logs, tickets};
use crate::error::AppError;
use crate::extract::{ApiJson, AuthUser, Id};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/comments", post(create))
        .route("/api/v1/comments/{id}", put(update).delete(delete))
}

fn comment_not_found(id: i64) -> AppError {
    AppError::NotFound(format!("Comment with the id {id} doesn't exist"))
}

/// Comment on a ticket; the author is always the caller.
#[utoipa::path(post, path = "/api/v1/comments/", tag = "Comments", request_body = NewCommentRequest,
    responses(
        (status = 201, description = "Created", body = Comment),
        (status = 404, description = "No such ticket, or not yours to see", body = tms_core::api::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NewCommentRequest>,
) -> Result<(StatusCode, Json<Comment>), AppError> {
    let actor = caller.actor();
    let text = Body::parse("description", &req.description).map_err(AppError::invalid)?;
    let ticket_id = req.ticket_id;
    let now = timefmt::now();
    let comment = state
        .db
        .write(move |tx| {
            let t = tickets::get(tx, ticket_id)?
                .ok_or_else(|| AppError::ticket_not_found(ticket_id))?;
            rules::check_comment(actor, t.requester_id)
                .map_err(|d| AppError::denied(d, || AppError::ticket_not_found(ticket_id)))?;
            let c = comments::insert(tx, ticket_id, actor.id, text.as_str(), now)?;
            tickets::touch(tx, ticket_id, now)?;
            let details = format!("created a comment on ticket {ticket_id}");
            logs::insert(
                tx,
                actor.id,
                ActivityType::Create,
                &details,
                Some(ticket_id),
                now,
            )?;
            Ok::<_, AppError>(c)
        })
        .await?;
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
    let actor = caller.actor();
    let text = req
        .description
        .as_deref()
        .map(|d| Body::parse("description", d))
        .transpose()
        .map_err(AppError::invalid)?;
    let now = timefmt::now();
    let comment = state
        .db
        .write(move |tx| {
            let (c, requester) = comments::get_with_ticket_requester(tx, id)?
                .ok_or_else(|| comment_not_found(id))?;
            rules::check_edit_comment(actor, c.commented_by_id, requester)
                .map_err(|d| AppError::denied(d, || comment_not_found(id)))?;
            if req.ticket_id.is_some_and(|t| t != c.ticket_id) {
                return Err(AppError::invalid(tms_core::ValidationError::new(
                    "ticket_id",
                    "value_error.ticket_id",
                    "a comment cannot be moved to another ticket",
                )));
            }
            let Some(text) = text.filter(|t| t.as_str() != c.description) else {
                return Ok(c);
            };
            let updated = comments::update(tx, id, text.as_str(), now)?;
            tickets::touch(tx, c.ticket_id, now)?;
            let details = format!("updated comment {id} on ticket {}", c.ticket_id);
            logs::insert(
                tx,
                actor.id,
                ActivityType::Update,
                &details,
                Some(c.ticket_id),
                now,
            )?;
            Ok(updated)
        })
        .await?;
    Ok(Json(comment))
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
    let actor = caller.actor();
    let now = timefmt::now();
    let comment = state
        .db
        .write(move |tx| {
            let (c, requester) = comments::get_with_ticket_requester(tx, id)?
                .ok_or_else(|| comment_not_found(id))?;
            rules::check_edit_comment(actor, c.commented_by_id, requester)
                .map_err(|d| AppError::denied(d, || comment_not_found(id)))?;
            comments::delete(tx, id)?;
            tickets::touch(tx, c.ticket_id, now)?;
            let details = format!("deleted comment {id}");
            logs::insert(
                tx,
                actor.id,
                ActivityType::Delete,
                &details,
                Some(c.ticket_id),
                now,
            )?;
            Ok::<_, AppError>(c)
        })
        .await?;
    Ok(Json(comment))
}
