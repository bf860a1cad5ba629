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

{# A stream's source, one row per key: the latest loaded. An opt-in stream names the raw columns
   it uses (`columns`): on DuckDB, when the tap wrote no file for it (the stream is not read), the
   model is built empty from those columns instead of failing. #}
{% macro latest_from_source(stream, keys, columns=none) -%}
  {%- set relation = source('instagram', stream) -%}
  {%- if columns and target.type == 'duckdb' and execute and not jsonl_exists(stream) -%}
    {%- set relation -%}
      (select {% for c in columns %}cast(null as varchar) as {{ c }}{{ ', ' if not loop.last }}{% endfor %} where false)
    {%- endset -%}
  {%- endif -%}
  {%- set loaded -%}
    (select *, {{ load_order() }} as _loaded from {{ relation }}) loaded
  {%- endset -%}
  {{ latest_per_key(loaded, keys) }}
{%- endmacro %}

{# Whether target-jsonl wrote a file for the stream (DuckDB's sources are those files). #}
{% macro jsonl_exists(stream) -%}
  {%- set path = env_var('DBT_JSONL_PATH', 'output/jsonl') ~ '/' ~ stream ~ '.jsonl' -%}
  {%- set found = run_query("select count(*) from glob('" ~ path ~ "')") -%}
  {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}
