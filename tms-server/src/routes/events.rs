//! `GET /api/v1/events`: the caller's live event stream (server-sent events).

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use tokio::sync::{broadcast, mpsc};

use crate::error::AppError;
use crate::events::Missed;
use crate::extract::Bearer;
use crate::service::events::{Outgoing, event_id, parse_event_id, render, resync};
use crate::service::sessions;
use crate::state::AppState;

/// A heartbeat comment this often keeps proxies from closing an idle stream.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// How often a stream checks that its session is still live.
const SESSION_CHECK: Duration = Duration::from_secs(5);

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/events", get(stream))
}

/// The committed changes of tickets and comments the caller may see, as they happen on any
/// server: `ticket` and `comment` events whose data has the ticket id, the change and the
/// object as the caller would read it. Send `Last-Event-ID` to resume; a `resync` event says
/// events were missed and everything shown must be read again. Ends when the session ends.
#[utoipa::path(get, path = "/api/v1/events", tag = "Ticket",
    params(("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received, to resume after it")),
    responses(
        (status = 200, description = "A `text/event-stream` of `ticket`, `comment` and `resync` events", content_type = "text/event-stream", body = String)),
    security(("bearer" = [])))]
pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    Bearer(token): Bearer,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let caller = sessions::authenticate(&state, &token).await?;
    let actor = tms_core::Actor {
        id: caller.user.id,
        role: caller.user.role,
    };
    let hub = state.store.events().clone();
    let epoch = hub.origin();
    let last = headers
        .get("last-event-id")
        .map(|v| v.to_str().ok().and_then(parse_event_id));
    // A resume point of another server process (or unreadable) cannot be resumed from.
    let (after, skip) = match last {
        None => (None, None),
        Some(Some((e, seq, index))) if e == epoch => (Some(seq), Some((seq, index))),
        Some(_) => (Some(u64::MAX), None),
    };
    let (missed, rx) = hub.subscribe_after(after);
    let (tx, out) = mpsc::channel::<Outgoing>(256);
    tokio::spawn(feed(state, token, actor, epoch, missed, skip, rx, tx));
    // Counted as open until the stream is dropped (the connection ended).
    let open = crate::metrics::InFlight::new(metrics::gauge!(crate::metrics::EVENT_STREAMS));
    let events = futures_util::stream::unfold((out, open), |(mut out, open)| async move {
        let o = out.recv().await?;
        let mut e = Event::default().event(o.event).data(o.data);
        if let Some(id) = o.id {
            e = e.id(id);
        }
        Some((Ok(e), (out, open)))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat")))
}

/// Sends one stream's events until its client goes or its session ends.
#[allow(clippy::too_many_arguments)]
async fn feed(
    app: AppState,
    token: String,
    actor: tms_core::Actor,
    epoch: u64,
    missed: Missed,
    skip: Option<(u64, usize)>,
    mut rx: broadcast::Receiver<std::sync::Arc<crate::events::Batch>>,
    tx: mpsc::Sender<Outgoing>,
) {
    let send_all = |items: Vec<Outgoing>| {
        let tx = tx.clone();
        async move {
            for o in items {
                if tx.send(o).await.is_err() {
                    return false;
                }
            }
            true
        }
    };
    match missed {
        Missed::TooMuch { last } => {
            let id = Some(event_id(epoch, last, usize::MAX >> 1));
            let why = "more changes were made than are kept, or on another server; read again";
            if !send_all(vec![resync(id, why)]).await {
                return;
            }
        }
        Missed::Batches(batches) => {
            for b in batches {
                let from = match skip {
                    Some((seq, index)) if seq == b.seq => index + 1,
                    _ => 0,
                };
                let Ok(items) = render(&app, actor, epoch, &b, from).await else {
                    return;
                };
                if !send_all(items).await {
                    return;
                }
            }
        }
    }
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.tick().await;
    let mut stopping = app.stopping.subscribe();
    loop {
        tokio::select! {
            got = rx.recv() => {
                let items = match got {
                    Ok(b) => match render(&app, actor, epoch, &b, 0).await {
                        Ok(items) => items,
                        Err(_) => vec![resync(None, "the server could not read a change; read again")],
                    },
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        vec![resync(None, "this stream fell behind; read again")]
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if !send_all(items).await {
                    return;
                }
            }
            _ = check.tick() => {
                if sessions::authenticate(&app, &token).await.is_err() {
                    return;
                }
            }
            () = tx.closed() => return,
            () = async { drop(stopping.wait_for(|s| *s).await) } => return,
        }
    }
}
