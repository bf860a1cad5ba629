{{ config(tags=['opt_in']) }}
-- Copies of media files in your storage (opt-in: `media_files_url`).
select
    cast(account_id as varchar(32)) as account_id,
    cast(media_id as varchar(32)) as media_id,
    rendition,
    kind,
    url,
    mimetype,
    cast(size as bigint) as size_bytes,
    cast(width as integer) as width,
    cast(height as integer) as height,
    sha256
from ({{ latest_from_source('media_files', ['account_id', 'media_id', 'rendition'], columns=['account_id', 'media_id', 'rendition', 'kind', 'url', 'mimetype', 'size', 'width', 'height', 'sha256']) }}) latest
