-- Operation tables for reverse ETL: `meltano run tap-postgres target-instagram`.
--
-- meltano.yml reads the `ops` schema (tap-postgres filter_schemas) incrementally on updated_at.
-- tap-postgres names the streams ops-comments, ops-replies, …; target-instagram matches the last
-- part to a contract and refuses a stream without an op_id column (landed Instagram data, say).
-- Insert a row to have it applied once; its op_id is the idempotency key. Touching updated_at
-- sends the row again, and the ledger skips what was already applied.
--
--   psql "$DATABASE_URL" -f target-instagram/ops.sql

create schema if not exists ops;

create table if not exists ops.comments (
    op_id        text primary key,
    account_id   text,
    media_id     text,          -- create: comment on this media
    message      text,
    comment_id   text,          -- delete: with action = 'delete'
    action       text check (action in ('create', 'delete')),
    updated_at   timestamptz not null default now()
);

create table if not exists ops.replies (
    op_id        text primary key,
    account_id   text,
    comment_id   text not null, -- the top-level comment to answer (or delete, with action)
    message      text,
    action       text check (action in ('create', 'delete')),
    updated_at   timestamptz not null default now()
);

create table if not exists ops.mention_replies (
    op_id        text primary key,
    account_id   text,
    media_id     text not null,
    comment_id   text,
    message      text not null,
    updated_at   timestamptz not null default now()
);

create table if not exists ops.media (
    op_id          text primary key,
    account_id     text,
    media_type     text,        -- IMAGE, REELS, STORIES, CAROUSEL
    image_url      text,
    video_url      text,
    video_file     text,        -- a local path or storage URL, uploaded in chunks (Facebook Login)
    caption        text,
    children       jsonb,       -- carousel items
    alt_text       text,
    user_tags      jsonb,
    location_id    text,
    collaborators  jsonb,
    cover_url      text,
    share_to_feed  boolean,
    thumb_offset   integer,
    audio_name     text,
    trial_params   jsonb,       -- trial reels: {"graduation_strategy": "MANUAL" | "SS_PERFORMANCE"}
    is_ai_generated boolean,    -- the AI info label (on the carousel, not its items)
    is_paid_partnership boolean,
    branded_content_sponsor_ids jsonb,  -- brands' Instagram user ids for "Paid partnership with …"
    publish_at     timestamptz,
    media_id       text,        -- delete: with action = 'delete'
    action         text check (action in ('create', 'delete')),
    updated_at     timestamptz not null default now()
);

create table if not exists ops.likes (
    op_id        text primary key,
    account_id   text,
    media_id     text,          -- like this media …
    comment_id   text,          -- … or this comment (one of the two)
    action       text check (action in ('create', 'delete')),  -- delete: unlike
    updated_at   timestamptz not null default now()
);

create table if not exists ops.collaboration_invites (
    op_id        text primary key,
    account_id   text,
    media_id     text not null, -- the invite's media (GET /{ig-user-id}/collaboration_invites)
    accept       boolean not null,  -- true accepts, false declines
    updated_at   timestamptz not null default now()
);

create table if not exists ops.execute (
    op_id        text primary key,
    account_id   text,
    procedure    text not null, -- hide_comment, enable_comments, publish_container, …
    params       jsonb,
    updated_at   timestamptz not null default now()
);
