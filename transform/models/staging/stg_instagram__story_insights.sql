-- A story's metrics as read on a day, while it lives.
select
    cast(story_id as varchar(32)) as story_id,
    cast(account_id as varchar(32)) as account_id,
    metric,
    breakdown,
    breakdown_value,
    cast(snapshot_date as date) as snapshot_date,
    cast(value as double precision) as value
from ({{ latest_from_source('story_insights', ['story_id', 'metric', 'breakdown', 'breakdown_value', 'snapshot_date']) }}) latest
