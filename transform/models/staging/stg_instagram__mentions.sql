{{ config(tags=['opt_in']) }}
-- Mentions of the account in others' comments and captions (opt-in: `webhook_store`).
select
    cast(id as varchar(32)) as mention_id,
    cast(account_id as varchar(32)) as account_id,
    kind,
    cast(media_id as varchar(32)) as media_id,
    cast(comment_id as varchar(32)) as comment_id,
    text as mention_text,
    username,
    cast(enriched as boolean) as is_enriched
from ({{ latest_from_source('mentions', ['id'], columns=['id', 'account_id', 'kind', 'media_id', 'comment_id', 'text', 'username', 'enriched']) }}) latest
