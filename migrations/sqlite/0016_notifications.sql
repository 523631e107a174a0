-- Notifications by email and webhook (docs/API.md, "Notifications" and "Webhooks";
-- docs/ARCHITECTURE.md, "Notifications").
--
-- webhooks: the receivers a SysAdmin registered. `events` is a JSON array of event names
-- (`ticket.created`, …); `secret` is the HMAC key of the signature, kept as given because
-- every delivery is signed with it, and never returned by the API.
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    url        TEXT    NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    events     TEXT    NOT NULL CHECK (json_valid(events)),
    secret     TEXT    NOT NULL CHECK (length(secret) BETWEEN 16 AND 256),
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);

-- A user's choice about email; no row means the default (email on).
CREATE TABLE notify_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    email   INTEGER NOT NULL CHECK (email IN (0, 1))
) WITHOUT ROWID;

-- The outbox: one row per email or webhook delivery to make, written in the transaction of
-- the change that causes it (a rolled-back change leaves none; a committed one is never
-- lost), sent by the delivery worker, then kept a while as its record.
--
--   channel          'email' (recipient, subject, body: the text) or 'webhook' (webhook_id,
--                    body: {"ticket": …, "comment": …} as staff see them)
--   event            a webhook's event name, or what an email tells (acknowledgement, reply,
--                    waiting, resolved, assigned, requester_reply)
--   ticket_id        the ticket it is about; no foreign key: news of a deleted ticket still goes
--   next_attempt_at  when it is due. A worker that takes a row moves it to the end of its
--                    lease and sets leased_until to the same instant, its claim: a worker that
--                    died mid-delivery leaves the row due again when the lease ends.
--   attempts         attempts begun (a claim counts one)
--   last_status      the HTTP status (webhooks) or SMTP reply code of the last answer
--
-- AUTOINCREMENT: ids are the deliveries' idempotency keys (Message-ID, X-Tms-Delivery) and are
-- never given out twice, even after old rows are pruned.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT    NOT NULL CHECK (channel IN ('email', 'webhook')),
    webhook_id      INTEGER REFERENCES webhooks (id) ON DELETE CASCADE,
    recipient       TEXT,
    event           TEXT    NOT NULL,
    ticket_id       INTEGER,
    subject         TEXT,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    leased_until    INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK ((channel = 'webhook') = (webhook_id IS NOT NULL)),
    CHECK ((channel = 'email') = (recipient IS NOT NULL AND subject IS NOT NULL))
);
CREATE INDEX outbox_due     ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_webhook ON outbox (webhook_id, id) WHERE webhook_id IS NOT NULL;
CREATE INDEX outbox_done    ON outbox (updated_at) WHERE status <> 'pending';
