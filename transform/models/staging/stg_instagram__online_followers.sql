select
    cast(account_id as varchar(32)) as account_id,
    cast("date" as date) as day,
    cast(hour as integer) as hour,
    cast(value as double precision) as followers_online
from ({{ latest_from_source('online_followers', ['account_id', '"date"', 'hour']) }}) latest
