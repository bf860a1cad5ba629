-- One row per top-level comment: its thread's replies, last activity and hidden state.
with comments as (
    select * from {{ ref('stg_instagram__comments') }}
),
replies as (
    select parent_id, count(*) as reply_count, max(commented_at) as last_reply_at
    from comments
    where parent_id is not null
    group by parent_id
)
select
    c.comment_id,
    c.media_id,
    c.account_id,
    c.username,
    c.comment_text,
    c.commented_at,
    c.like_count,
    coalesce(c.is_hidden, false) as is_hidden,
    coalesce(r.reply_count, 0) as reply_count,
    coalesce(r.last_reply_at, c.commented_at) as last_activity_at
from comments c
left join replies r on r.parent_id = c.comment_id
where c.parent_id is null
