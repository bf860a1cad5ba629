{{ config(tags=['opt_in']) }}
-- A story's final figures, sent at its expiry (opt-in: `webhook_store`).
select
    cast(story_id as varchar(32)) as story_id,
    cast(account_id as varchar(32)) as account_id,
    metric,
    cast(value as double precision) as value,
    cast(event_time as timestamp) as expired_at
from ({{ latest_from_source('story_insights_final', ['story_id', 'metric'], columns=['story_id', 'account_id', 'metric', 'value', 'event_time']) }}) latest
