-- Stories while they live (24 h).
select
    cast(id as varchar(32)) as story_id,
    cast(owner_id as varchar(32)) as account_id,
    media_type,
    permalink,
    cast("timestamp" as timestamp) as published_at
from ({{ latest_from_source('stories', ['id']) }}) latest
