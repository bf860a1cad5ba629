-- One row per post: what it is, its latest lifetime metrics, and the same metrics 1, 7 and 30 days
-- after it was published (from the dated snapshots; null when no read fell on that day).
with media as (
    select * from {{ ref('stg_instagram__media') }}
),
totals as (
    select i.media_id, i.metric, i.snapshot_date, i.value,
           i.snapshot_date - cast(m.published_at as date) as age_days
    from {{ ref('stg_instagram__media_insights') }} i
    join media m on m.media_id = i.media_id
    where i.breakdown = 'total'
),
latest as (
    select * from (
        select totals.*, row_number() over (partition by media_id, metric order by snapshot_date desc) as recency
        from totals
    ) ranked
    where recency = 1
),
lifetime as (
    select
        media_id,
        max(case when metric = 'reach' then value end) as reach,
        max(case when metric = 'views' then value end) as views,
        max(case when metric = 'likes' then value end) as likes,
        max(case when metric = 'comments' then value end) as comments,
        max(case when metric = 'saved' then value end) as saves,
        max(case when metric = 'shares' then value end) as shares,
        max(case when metric = 'total_interactions' then value end) as total_interactions,
        max(snapshot_date) as metrics_as_of
    from latest
    group by media_id
),
by_age as (
    select
        media_id,
        {% for day in [1, 7, 30] %}
        max(case when metric = 'reach' and age_days = {{ day }} then value end) as reach_day_{{ day }},
        max(case when metric = 'total_interactions' and age_days = {{ day }} then value end) as total_interactions_day_{{ day }}{{ ',' if not loop.last }}
        {% endfor %}
    from totals
    group by media_id
)
select
    m.media_id,
    m.account_id,
    m.media_type,
    m.media_product_type,
    m.caption,
    m.permalink,
    m.published_at,
    l.reach, l.views, l.likes, l.comments, l.saves, l.shares, l.total_interactions,
    l.metrics_as_of,
    a.reach_day_1, a.reach_day_7, a.reach_day_30,
    a.total_interactions_day_1, a.total_interactions_day_7, a.total_interactions_day_30,
    case when l.reach > 0 then round(cast(l.total_interactions / l.reach as numeric), 4) end as engagement_rate
from media m
left join lifetime l on l.media_id = m.media_id
left join by_age a on a.media_id = m.media_id
