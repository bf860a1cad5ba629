-- One row per post, reel or carousel (its latest read).
with source as (
    select *, {{ load_order() }} as _loaded from {{ source('instagram', 'media') }}
)
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
from ({{ latest_per_key('source', ['id']) }}) latest
