-- Lifetime counters only grow: a post's reach and interactions at day 7 are at least those at day 1.
select media_id
from {{ ref('instagram__posts') }}
where (reach_day_7 < reach_day_1) or (total_interactions_day_7 < total_interactions_day_1)
   or (reach_day_30 < reach_day_7) or (total_interactions_day_30 < total_interactions_day_7)
