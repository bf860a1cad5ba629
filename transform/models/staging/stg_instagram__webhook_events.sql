{{ config(tags=['opt_in']) }}
-- Every webhook change received (opt-in: `webhook_store`).
select
    id as event_id,
    cast(seq as bigint) as seq,
    cast(account_id as varchar(32)) as account_id,
    field,
    cast(object_id as varchar(32)) as object_id,
    cast(event_time as timestamp) as event_time,
    cast(received_at as timestamp) as received_at
from ({{ latest_from_source('webhook_events', ['id'], columns=['id', 'seq', 'account_id', 'field', 'object_id', 'event_time', 'received_at']) }}) latest
