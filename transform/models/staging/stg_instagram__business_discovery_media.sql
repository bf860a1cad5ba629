{{ config(tags=['opt_in']) }}
-- Media of the public accounts looked up (opt-in).
select
    cast(id as varchar(32)) as media_id,
    username,
    media_type,
    media_product_type,
    permalink,
    cast("timestamp" as timestamp) as published_at,
    cast(like_count as bigint) as like_count,
    cast(comments_count as bigint) as comments_count
from ({{ latest_from_source('business_discovery_media', ['id'], columns=['id', 'username', 'media_type', 'media_product_type', 'permalink', '"timestamp"', 'like_count', 'comments_count']) }}) latest
