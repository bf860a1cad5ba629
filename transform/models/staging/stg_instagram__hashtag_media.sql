{{ config(tags=['opt_in']) }}
-- Top and recent media of each hashtag (opt-in: `hashtags`).
select
    cast(hashtag_id as varchar(32)) as hashtag_id,
    cast(id as varchar(32)) as media_id,
    kind,
    caption,
    media_type,
    permalink,
    cast("timestamp" as timestamp) as published_at,
    cast(like_count as bigint) as like_count,
    cast(comments_count as bigint) as comments_count
from ({{ latest_from_source('hashtag_media', ['hashtag_id', 'id', 'kind'], columns=['hashtag_id', 'id', 'kind', 'caption', 'media_type', 'permalink', '"timestamp"', 'like_count', 'comments_count']) }}) latest
