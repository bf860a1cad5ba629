{# The order records were loaded in: later lines of a JSON-lines file win on DuckDB; target-postgres
   already keeps one row per key (the latest), so any order does there. #}
{% macro load_order() -%}
  {%- if target.type == 'duckdb' -%} row_number() over () {%- else -%} 0 {%- endif -%}
{%- endmacro %}

{# One row per key: the latest loaded (`order_by` first, then load order). #}
{% macro latest_per_key(relation, keys, order_by=none) -%}
  select * from (
    select *, row_number() over (
      partition by {{ keys | join(', ') }}
      order by {% if order_by %}{{ order_by }} desc, {% endif %}_loaded desc
    ) as _version
    from {{ relation }}
  ) versions
  where _version = 1
{%- endmacro %}

{# A stream's source, one row per key: the latest loaded. #}
{% macro latest_from_source(stream, keys) -%}
  {%- set loaded -%}
    (select *, {{ load_order() }} as _loaded from {{ source('instagram', stream) }}) loaded
  {%- endset -%}
  {{ latest_per_key(loaded, keys) }}
{%- endmacro %}
