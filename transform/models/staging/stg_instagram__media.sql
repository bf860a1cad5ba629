-- One row per post, reel or carousel (its latest read).
select
    cast(id as varchar(32)) as media_id,
    cast(owner_id as varchar(32)) as account_id,
    media_type,
    media_product_type,
    caption,
    permalink,
    cast("timestamp" as timestamp) as published_at,
    cast(like_count as bigint) as like_count,
    cast(comments_count as bigint) as comments_count
from ({{ latest_from_source('media', ['id']) }}) latest
