-- One row per account and day. Meta settles a day's figures within 48 hours: younger days are
-- `settled = false` and may still change on a later run.
with totals as (
    select account_id, day, metric, value
    from {{ ref('stg_instagram__account_insights_totals') }}
    where breakdown = 'total'
),
series as (
    select account_id, day, metric, value
    from {{ ref('stg_instagram__account_insights') }}
    where period = 'day'
),
days as (
    select account_id, day from totals
    union
    select account_id, day from series
),
snapshots as (
    select account_id, snapshot_date as day, followers_count
    from {{ ref('stg_instagram__account_snapshots') }}
)
select
    d.account_id,
    d.day,
    max(case when t.metric = 'reach' then t.value end) as reach,
    max(case when t.metric = 'views' then t.value end) as views,
    max(case when t.metric = 'accounts_engaged' then t.value end) as accounts_engaged,
    max(case when t.metric = 'total_interactions' then t.value end) as total_interactions,
    max(case when t.metric = 'follows_and_unfollows' then t.value end) as follows_and_unfollows,
    max(case when t.metric = 'profile_views' then t.value end) as profile_views,
    max(case when t.metric = 'profile_links_taps' then t.value end) as profile_links_taps,
    max(case when s.metric = 'follower_count' then s.value end) as new_followers,
    max(snap.followers_count) as followers,
    d.day <= cast({{ dbt.current_timestamp() }} as date) - {{ var('settle_days') }} as settled
from days d
left join totals t on t.account_id = d.account_id and t.day = d.day
left join series s on s.account_id = d.account_id and s.day = d.day
left join snapshots snap on snap.account_id = d.account_id and snap.day = d.day
group by d.account_id, d.day
