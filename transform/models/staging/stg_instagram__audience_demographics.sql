with source as (
    select *, {{ load_order() }} as _loaded from {{ source('instagram', 'audience_demographics') }}
)
select
    cast(account_id as varchar(32)) as account_id,
    metric,
    timeframe,
    breakdown,
    cast("key" as varchar) as bucket,
    cast(snapshot_date as date) as snapshot_date,
    cast(value as double precision) as value
from ({{ latest_per_key('source', ['account_id', 'metric', 'timeframe', 'breakdown', '"key"', 'snapshot_date']) }}) latest
