-- The items of carousels.
select
    cast(media_id as varchar(32)) as media_id,
    cast(id as varchar(32)) as child_id,
    cast(account_id as varchar(32)) as account_id,
    cast(position as integer) as position,
    media_type
from ({{ latest_from_source('media_children', ['media_id', 'id']) }}) latest
