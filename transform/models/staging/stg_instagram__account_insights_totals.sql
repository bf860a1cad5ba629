select
    cast(account_id as varchar(32)) as account_id,
    metric,
    cast("date" as date) as day,
    breakdown,
    breakdown_value,
    cast(value as double precision) as value
from ({{ latest_from_source('account_insights_totals', ['account_id', 'metric', '"date"', 'breakdown', 'breakdown_value']) }}) latest
