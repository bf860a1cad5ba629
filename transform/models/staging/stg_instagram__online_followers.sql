with source as (
    select *, {{ load_order() }} as _loaded from {{ source('instagram', 'online_followers') }}
)
select
    cast(account_id as varchar(32)) as account_id,
    cast("date" as date) as day,
    cast(hour as integer) as hour,
    cast(value as double precision) as followers_online
from ({{ latest_per_key('source', ['account_id', '"date"', 'hour']) }}) latest
