-- One row per account: its latest profile.
select
    cast(id as varchar(32)) as account_id,
    username,
    name as account_name,
    cast(followers_count as bigint) as followers_count,
    cast(follows_count as bigint) as follows_count,
    cast(media_count as bigint) as media_count
from ({{ latest_from_source('accounts', ['id']) }}) latest
