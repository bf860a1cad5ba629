select
    cast(account_id as varchar(32)) as account_id,
    metric,
    timeframe,
    breakdown,
    cast("key" as varchar) as bucket,
    cast(snapshot_date as date) as snapshot_date,
    cast(value as double precision) as value
from ({{ latest_from_source('audience_demographics', ['account_id', 'metric', 'timeframe', 'breakdown', '"key"', 'snapshot_date']) }}) latest
