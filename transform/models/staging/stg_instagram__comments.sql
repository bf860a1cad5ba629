-- Comments and replies; a comment read again (likes, hidden) keeps its latest state.
select
    cast(id as varchar(32)) as comment_id,
    cast(media_id as varchar(32)) as media_id,
    cast(account_id as varchar(32)) as account_id,
    cast(parent_id as varchar(32)) as parent_id,
    text as comment_text,
    username,
    cast("timestamp" as timestamp) as commented_at,
    cast(like_count as bigint) as like_count,
    cast(hidden as boolean) as is_hidden
from ({{ latest_from_source('comments', ['id']) }}) latest
