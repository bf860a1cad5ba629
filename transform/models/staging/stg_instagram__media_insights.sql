-- A post's lifetime metrics as read on each day (dated snapshots; one row per key, the latest read).
select
    cast(media_id as varchar(32)) as media_id,
    cast(account_id as varchar(32)) as account_id,
    metric,
    breakdown,
    breakdown_value,
    cast(snapshot_date as date) as snapshot_date,
    cast(value as double precision) as value
from ({{ latest_from_source('media_insights', ['media_id', 'metric', 'breakdown', 'breakdown_value', 'snapshot_date']) }}) latest
