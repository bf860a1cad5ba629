-- One row per account and hour of the day: followers online on average, and the hour's rank.
with hours as (
    select account_id, hour, avg(followers_online) as avg_followers_online, count(*) as days_seen
    from {{ ref('stg_instagram__online_followers') }}
    group by account_id, hour
)
select
    account_id,
    hour,
    avg_followers_online,
    days_seen,
    rank() over (partition by account_id order by avg_followers_online desc) as hour_rank
from hours
