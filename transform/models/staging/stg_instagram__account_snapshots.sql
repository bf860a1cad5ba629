select
    cast(account_id as varchar(32)) as account_id,
    cast(snapshot_date as date) as snapshot_date,
    cast(followers_count as bigint) as followers_count,
    cast(follows_count as bigint) as follows_count,
    cast(media_count as bigint) as media_count
from ({{ latest_from_source('account_snapshots', ['account_id', 'snapshot_date']) }}) latest
