{{ config(tags=['opt_in']) }}
-- Public accounts looked up (opt-in: `business_discovery_usernames`).
select
    username,
    cast(snapshot_date as date) as snapshot_date,
    cast(id as varchar(32)) as discovered_account_id,
    name as account_name,
    cast(followers_count as bigint) as followers_count,
    cast(media_count as bigint) as media_count
from ({{ latest_from_source('business_discovery', ['username', 'snapshot_date'], columns=['username', 'snapshot_date', 'id', 'name', 'followers_count', 'media_count']) }}) latest
