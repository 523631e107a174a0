//! Runs one [`Request`] of the Elm loop through the client and wraps the answer as a [`Reply`].

use super::{ApiClient, ApiError, Session};
use crate::app::{Reply, Request};

/// Performs `request`; the driver sends the result back as an action.
pub async fn dispatch(client: &ApiClient, request: &Request) -> Result<Reply, ApiError> {
    Ok(match request {
        Request::Health => Reply::Health(client.health().await?),
        Request::Login(body) => Reply::Session(Box::new(client.login(body).await?)),
        Request::Signup(body) => Reply::Session(Box::new(Session {
            reply: client.signup(body).await?,
            device: None,
        })),
        Request::Logout => {
            client.logout().await?;
            Reply::LoggedOut
        }
        Request::Me => Reply::Me(client.me().await?),
        Request::ChangePassword(body) => {
            client.change_password(body).await?;
            Reply::Done
        }
        Request::Tickets { query, .. } => Reply::Tickets(client.list_tickets(query).await?),
        Request::Ticket(id) | Request::Recheck { id, .. } => {
            Reply::Ticket(Box::new(client.get_ticket(*id).await?))
        }
        Request::History(id) => Reply::History(client.ticket_history(*id).await?),
        Request::CreateTicket(body) => {
            Reply::TicketSaved(Box::new(client.create_ticket(body).await?))
        }
        Request::UpdateTicket(id, body, version) => {
            Reply::Ticket(Box::new(client.update_ticket(*id, body, *version).await?))
        }
        Request::Bulk(body) => Reply::Bulk(client.bulk_change(body).await?.updated),
        Request::DeleteTicket(id) => {
            client.delete_ticket(*id).await?;
            Reply::Done
        }
        Request::CreateComment(body) => Reply::CommentSaved(client.create_comment(body).await?),
        Request::UpdateComment {
            comment_id, update, ..
        } => Reply::CommentSaved(client.update_comment(*comment_id, update).await?),
        Request::DeleteComment { comment_id, .. } => {
            client.delete_comment(*comment_id).await?;
            Reply::Done
        }
        Request::Users(q) | Request::FindUsers(q) => Reply::Users(client.list_users(q).await?),
        Request::FindPeople(q) => Reply::People(client.directory(q).await?),
        Request::Staff => Reply::Staff(client.agents().await?),
        Request::Tags => Reply::Tags(client.tags().await?),
        Request::CreateUser(body) => Reply::UserSaved(client.create_user(body).await?),
        Request::UpdateUser(id, body) => Reply::UserSaved(client.update_user(*id, body).await?),
        Request::DeleteUser(id) => {
            client.delete_user(*id).await?;
            Reply::Done
        }
        Request::Assignment => Reply::Assignment(client.assignment().await?),
        Request::SetAssignment(mode) => Reply::Assignment(client.set_assignment(*mode).await?),
        Request::SetAway(away) => Reply::Me(client.set_away(*away).await?),
        Request::SlaPolicy => Reply::SlaPolicy(Box::new(client.sla_policy().await?)),
        Request::SetSlaPolicy(policy) => {
            Reply::SlaPolicy(Box::new(client.set_sla_policy(policy).await?))
        }
        Request::Notifications => Reply::Notifications(client.notification_settings().await?),
        Request::SetNotifications(settings) => {
            Reply::Notifications(client.set_notification_settings(*settings).await?)
        }
        Request::Webhooks => Reply::Webhooks(client.webhooks().await?),
        Request::CreateWebhook(body) => Reply::Webhook(client.create_webhook(body).await?),
        Request::DeleteWebhook(id) => Reply::Webhook(client.delete_webhook(*id).await?),
        Request::Deliveries(id) => Reply::Deliveries(
            client
                .webhook_deliveries(*id, crate::screens::webhooks::DELIVERIES_SHOWN)
                .await?,
        ),
        Request::Logs(q) => Reply::Logs(client.list_logs(q).await?),
        Request::ClearLogs => {
            client.clear_logs().await?;
            Reply::Done
        }
        Request::Stats => Reply::Stats(Box::new(client.stats().await?)),
        Request::Views => Reply::Views(client.views().await?),
        Request::CreateView(body) => Reply::View(client.create_view(body).await?),
        Request::DeleteView(id) => Reply::View(client.delete_view(*id).await?),
    })
}
