-- Media of others that tag the account.
select
    cast(account_id as varchar(32)) as account_id,
    cast(id as varchar(32)) as media_id,
    caption,
    media_type,
    permalink,
    cast("timestamp" as timestamp) as published_at,
    cast(like_count as bigint) as like_count,
    cast(comments_count as bigint) as comments_count
from ({{ latest_from_source('tags', ['account_id', 'id']) }}) latest
