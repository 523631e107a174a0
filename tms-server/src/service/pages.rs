//! Remembered list pages (`docs/ARCHITECTURE.md`, "Remembered list pages"): a page of tickets
//! is kept as the reply it was (its JSON bytes and `ETag`) and served again while nothing it
//! could show has changed.
//!
//! A page is remembered under its query (the query string's pairs as sent, and the agent of a
//! queue) and the caller's **visibility class** — every staff member sees the same page, a
//! Requester only their own tickets and no tags, so a Requester's pages are theirs alone —
//! tagged with the **data generation** read before the page was ([`Hub::generation`]). It is
//! served only while the generation is still the one it was read under, and for at most
//! [`MAX_AGE`]. The generation moves on, before anyone is answered or told, with every
//! committed change of a ticket, a comment or a person shown with tickets, on this server or
//! (once relayed) another:
//!
//! - **read-your-writes**: a write moves the generation on before it is answered (the store
//!   publishes after its commit and before its reply), so its writer's next read misses the
//!   pages read before it;
//! - a page read after the generation was `g` includes every change that moved it to `g`, so
//!   serving it while the generation is `g` serves nothing older than what was heard;
//! - **several servers**: another server's change moves this server's generation when its
//!   notification arrives (milliseconds); while the link that relays them is down the hub
//!   has no generation and nothing is remembered or served, and [`MAX_AGE`] bounds what a
//!   notification lost without the link being seen to break could leave behind.
//!
//! Memory is bounded by weight (the bytes of the replies, [`CAPACITY`]); eviction is
//! `quick_cache`'s (S3-FIFO, so a stream of one-off searches does not push out the pages
//! everyone reads).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::etag::Tagged;
use crate::events::Hub;

/// How long a remembered page is served at most, whatever the generation says.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// How many bytes of replies are remembered at most (a page of 50 tickets is ~50 KB).
pub const CAPACITY: u64 = 8 * 1024 * 1024;

/// What a page is remembered under.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// `None`: staff; a Requester's id: theirs alone.
    pub class: Option<i64>,
    /// The agent whose queue this is (`/api/v1/tickets/agent/{id}/`), or `None` for the list.
    pub queue: Option<i64>,
    /// The query string's pairs, as sent.
    pub pairs: Vec<(String, String)>,
}

#[derive(Clone)]
struct Remembered {
    generation: u64,
    at: Instant,
    /// Served for at most this long: [`MAX_AGE`], or less for a page that time alone changes.
    max_age: Duration,
    reply: Tagged,
}

#[derive(Clone)]
struct ByBytes;

impl quick_cache::Weighter<PageKey, Arc<Remembered>> for ByBytes {
    fn weight(&self, key: &PageKey, val: &Arc<Remembered>) -> u64 {
        let key_bytes: usize = key.pairs.iter().map(|(k, v)| k.len() + v.len() + 48).sum();
        (val.reply.body().len() + key_bytes + 128) as u64
    }
}

/// The remembered pages of one server.
pub struct PageCache {
    hub: Arc<Hub>,
    pages: quick_cache::sync::Cache<PageKey, Arc<Remembered>, ByBytes>,
    enabled: bool,
}

/// A lookup: the page if remembered, and otherwise what to remember a fresh one under.
pub enum Lookup {
    Hit(Tagged),
    /// Read the page, then give it to [`PageCache::remember`] with this generation (`None`:
    /// do not remember it).
    Miss(Option<u64>),
}

impl PageCache {
    /// Pages on the changes `hub` hears of; `enabled: false` remembers nothing.
    pub fn new(hub: Arc<Hub>, enabled: bool) -> Self {
        Self {
            hub,
            pages: quick_cache::sync::Cache::with_weighter(256, CAPACITY, ByBytes),
            enabled,
        }
    }

    /// The page remembered under `key` if it is still current; otherwise the generation to
    /// remember a fresh one under, read now — before the fresh page is read.
    pub fn lookup(&self, key: &PageKey) -> Lookup {
        if !self.enabled {
            return Lookup::Miss(None);
        }
        let Some(generation) = self.hub.generation() else {
            return Lookup::Miss(None);
        };
        match self.pages.get(key) {
            Some(r) if r.generation == generation && r.at.elapsed() < r.max_age => {
                Lookup::Hit(r.reply.clone())
            }
            _ => Lookup::Miss(Some(generation)),
        }
    }

    /// Remembers `reply`, read after the generation was `generation`.
    pub fn remember(&self, key: PageKey, generation: Option<u64>, reply: &Tagged) {
        self.remember_for(key, generation, reply, MAX_AGE);
    }

    /// [`PageCache::remember`] for at most `max_age` (capped at [`MAX_AGE`]): a page whose rows
    /// change as time passes (an SLA filter) is served only that long.
    pub fn remember_for(
        &self,
        key: PageKey,
        generation: Option<u64>,
        reply: &Tagged,
        max_age: Duration,
    ) {
        let Some(generation) = generation else { return };
        // Already outdated: nobody could be served it.
        if self.hub.generation() != Some(generation) {
            return;
        }
        self.pages.insert(
            key,
            Arc::new(Remembered {
                generation,
                at: Instant::now(),
                max_age: max_age.min(MAX_AGE),
                reply: reply.clone(),
            }),
        );
    }

    /// How many pages are remembered now (for tests).
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Change, Event};

    fn key(class: Option<i64>, q: &str) -> PageKey {
        PageKey {
            class,
            queue: None,
            pairs: vec![("q".into(), q.into())],
        }
    }

    fn reply(text: &str) -> Tagged {
        Tagged::from_body(text.as_bytes().to_vec(), None)
    }

    fn hit(c: &PageCache, k: &PageKey) -> Option<String> {
        match c.lookup(k) {
            Lookup::Hit(t) => Some(String::from_utf8(t.body().to_vec()).unwrap()),
            Lookup::Miss(_) => None,
        }
    }

    fn miss(c: &PageCache, k: &PageKey) -> Option<u64> {
        match c.lookup(k) {
            Lookup::Hit(_) => panic!("a hit"),
            Lookup::Miss(g) => g,
        }
    }

    #[test]
    fn a_page_is_served_until_the_generation_moves_and_only_to_its_class() {
        let hub = Arc::new(Hub::default());
        let c = PageCache::new(Arc::clone(&hub), true);
        let staff = key(None, "x");
        let g = miss(&c, &staff);
        c.remember(staff.clone(), g, &reply("one"));
        assert_eq!(hit(&c, &staff).as_deref(), Some("one"));
        // Another class, another query: not this page.
        assert!(hit(&c, &key(Some(7), "x")).is_none());
        assert!(hit(&c, &key(None, "y")).is_none());
        // A change moves the generation on: the page is not served again.
        hub.publish(vec![Event::ticket(Change::TicketUpdated, 1)]);
        assert!(hit(&c, &staff).is_none());
        // Nor after a change of a person, or one heard from another server.
        let g = miss(&c, &staff);
        c.remember(staff.clone(), g, &reply("two"));
        assert_eq!(hit(&c, &staff).as_deref(), Some("two"));
        hub.touch();
        assert!(hit(&c, &staff).is_none());
        let g = miss(&c, &staff);
        c.remember(staff.clone(), g, &reply("three"));
        hub.heard(vec![Event::ticket(Change::TicketCreated, 2)]);
        assert!(hit(&c, &staff).is_none());
    }

    #[test]
    fn a_page_read_before_a_change_is_not_remembered_after_it() {
        let hub = Arc::new(Hub::default());
        let c = PageCache::new(Arc::clone(&hub), true);
        let k = key(None, "x");
        let g = miss(&c, &k);
        // The change commits while the page is being read.
        hub.publish(vec![Event::ticket(Change::TicketUpdated, 1)]);
        c.remember(k.clone(), g, &reply("old"));
        assert!(hit(&c, &k).is_none());
        assert!(c.is_empty());
    }

    #[test]
    fn nothing_is_remembered_or_served_while_unlinked_or_disabled() {
        let hub = Arc::new(Hub::default());
        let c = PageCache::new(Arc::clone(&hub), true);
        let k = key(None, "x");
        let g = miss(&c, &k);
        c.remember(k.clone(), g, &reply("one"));
        hub.set_linked(false);
        assert_eq!(miss(&c, &k), None, "no generation while unlinked");
        c.remember(k.clone(), None, &reply("two"));
        hub.set_linked(true);
        // Linking again moved the generation on: the page of before is not served.
        assert!(hit(&c, &k).is_none());

        let off = PageCache::new(Arc::clone(&hub), false);
        assert_eq!(miss(&off, &k), None);
    }

    #[test]
    fn memory_is_bounded_by_the_bytes_of_the_replies() {
        let hub = Arc::new(Hub::default());
        let c = PageCache::new(Arc::clone(&hub), true);
        let body = "x".repeat(100_000);
        for i in 0..500 {
            let k = key(None, &i.to_string());
            let g = miss(&c, &k);
            c.remember(k, g, &reply(&body));
        }
        assert!(c.len() * 100_000 <= CAPACITY as usize, "{} pages", c.len());
        assert!(c.len() >= 10, "{} pages", c.len());
    }
}
