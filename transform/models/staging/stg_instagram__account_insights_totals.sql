with source as (
    select *, {{ load_order() }} as _loaded from {{ source('instagram', 'account_insights_totals') }}
)
select
    cast(account_id as varchar(32)) as account_id,
    metric,
    cast("date" as date) as day,
    breakdown,
    breakdown_value,
    cast(value as double precision) as value
from ({{ latest_per_key('source', ['account_id', 'metric', '"date"', 'breakdown', 'breakdown_value']) }}) latest
