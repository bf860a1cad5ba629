-- The 24-hour publishing quota as read.
select
    cast(account_id as varchar(32)) as account_id,
    cast(snapshot_time as timestamp) as snapshot_time,
    cast(quota_usage as integer) as quota_usage,
    cast(quota_total as integer) as quota_total
from ({{ latest_from_source('content_publishing_limit', ['account_id', 'snapshot_time']) }}) latest
