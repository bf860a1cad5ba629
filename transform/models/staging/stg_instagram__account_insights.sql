-- Daily account series; a day is read again while Meta settles it (48 h): the latest read wins.
select
    cast(account_id as varchar(32)) as account_id,
    metric,
    period,
    cast(end_time as timestamp) as end_time,
    cast(cast(end_time as timestamp) as date) - 1 as day,
    cast(value as double precision) as value
from ({{ latest_from_source('account_insights', ['account_id', 'metric', 'period', 'end_time']) }}) latest
