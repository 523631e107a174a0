//! The live event stream as the app sees it: opened with each session and closed with it, its
//! state shown in the status line, and its news handed to the screen in front. While it is up
//! nothing is read on a timer: what others change arrives as events.

use super::route::{self, with_screen};
use super::{Effect, State};
use crate::api::events::{News, ServerEvent};

/// The state of the stream's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Link {
    /// No stream: signed out, or the server has none.
    #[default]
    Off,
    Connecting,
    Up,
    /// Lost; the stream connects again by itself.
    Reconnecting,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Live {
    pub link: Link,
    /// The number of the stream whose news count: a new one per session, so that news still
    /// on its way from an ended session's stream is dropped.
    pub stream: u64,
}

impl Live {
    pub fn is_up(&self) -> bool {
        self.link == Link::Up
    }
}

/// Opens or closes the stream when the signed-in user is not `before` any more.
pub fn follow_session(state: &mut State, before: Option<i64>) -> Vec<Effect> {
    let now = state.user.as_ref().map(|u| u.id);
    if now == before {
        return Vec::new();
    }
    state.live.stream += 1;
    if now.is_some() {
        state.live.link = Link::Connecting;
        vec![Effect::Listen {
            stream: state.live.stream,
        }]
    } else {
        state.live.link = Link::Off;
        vec![Effect::StopListening]
    }
}

/// What stream `stream` says.
pub fn on_news(state: &mut State, stream: u64, news: News) -> Vec<Effect> {
    if stream != state.live.stream || state.user.is_none() {
        return Vec::new();
    }
    match news {
        News::Connected { resumed } => {
            state.live.link = Link::Up;
            // A stream that starts afresh tells nothing of what changed before it: what is
            // shown may already be older than its first event.
            if resumed {
                Vec::new()
            } else {
                route::refresh_current(state)
            }
        }
        News::Lost(why) => {
            tracing::debug!("event stream lost: {why}");
            state.live.link = Link::Reconnecting;
            Vec::new()
        }
        News::SessionEnded => route::session_ended(state),
        News::Unsupported => {
            state.live.link = Link::Off;
            Vec::new()
        }
        News::Event(event) => match *event {
            ServerEvent::Resync => route::refresh_current(state),
            event => with_screen(state, |s, st| s.on_event(&event, st)),
        },
    }
}
