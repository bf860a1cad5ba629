{{ config(tags=['opt_in']) }}
-- Hashtags searched (opt-in: `hashtags`).
select
    cast(id as varchar(32)) as hashtag_id,
    name as hashtag,
    cast(account_id as varchar(32)) as account_id
from ({{ latest_from_source('hashtags', ['id'], columns=['id', 'name', 'account_id']) }}) latest
