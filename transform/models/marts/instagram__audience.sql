-- The latest demographics: one row per account, audience (follower, engaged, reached), timeframe,
-- breakdown and bucket, from the most recent day it was read.
with ranked as (
    select *, row_number() over (
        partition by account_id, metric, timeframe, breakdown, bucket order by snapshot_date desc
    ) as recency
    from {{ ref('stg_instagram__audience_demographics') }}
)
select
    account_id,
    replace(metric, '_demographics', '') as audience,
    timeframe,
    breakdown,
    bucket,
    value,
    value / nullif(sum(value) over (partition by account_id, metric, timeframe, breakdown), 0) as share,
    snapshot_date as as_of
from ranked
where recency = 1
