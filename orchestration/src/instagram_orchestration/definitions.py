"""The Dagster code location: one partitioned asset, a daily schedule, and a fan-out job.

- `instagram_accounts`, partitioned into `INSTAGRAM_PARTITIONS` shares of accounts: materialising a
  partition runs `meltano run tap-instagram target-postgres` for that share with its own state id.
  A backfill or the `daily_instagram_sync` schedule launches one run per partition; Dagster's run
  coordinator and its workers decide how many go at once.
- `sync_all_partitions`: every share in one Dagster run, each in its own process, at most
  `max_concurrent` at once (Dagster's multiprocess executor).

The Meltano project is a resource: `MELTANO_PROJECT_DIR` (the folder of meltano.yml),
`MELTANO_EXECUTABLE` (default `meltano`) and `MELTANO_ENVIRONMENT` (default `prod`).

No `from __future__ import annotations` here: Dagster reads the annotations of asset and op
functions (the context's type) as objects.
"""

import os
from collections.abc import Iterator

import dagster as dg

from instagram_orchestration.meltano_project import MeltanoProject
from instagram_orchestration.partitions import parse_key, partition_count, partition_keys

COUNT = partition_count()
PARTITIONS = dg.StaticPartitionsDefinition(partition_keys(COUNT))


@dg.asset(partitions_def=PARTITIONS, group_name="instagram")
def instagram_accounts(
    context: dg.AssetExecutionContext, meltano: MeltanoProject
) -> dg.MaterializeResult[None]:
    """The Instagram data of one share of the accounts, landed by Meltano."""
    index, count = parse_key(context.partition_key)
    run = meltano.run_partition(index, count, context.log)
    return dg.MaterializeResult(metadata=run.metadata())


partitioned_job = dg.define_asset_job("instagram_partitions", selection=[instagram_accounts])


@dg.schedule(job=partitioned_job, cron_schedule="0 4 * * *", execution_timezone="UTC")
def daily_instagram_sync(context: dg.ScheduleEvaluationContext) -> Iterator[dg.RunRequest]:
    """Every partition once a day (one run each, with the day in its run key)."""
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    for key in PARTITIONS.get_partition_keys():
        yield dg.RunRequest(run_key=f"{key}:{day}", partition_key=key)


@dg.op(out=dg.DynamicOut(int))
def partitions_to_sync() -> Iterator[dg.DynamicOutput[int]]:
    """One output per share of the accounts."""
    for index in range(COUNT):
        yield dg.DynamicOutput(index, mapping_key=f"partition_{index}")


@dg.op
def sync_partition(
    context: dg.OpExecutionContext, meltano: MeltanoProject, index: int
) -> dict[str, object]:
    """One share's `meltano run`; its counts and times."""
    run = meltano.run_partition(index, COUNT, context.log)
    return {**run.metadata(), "started": run.started, "finished": run.finished}


def meltano_resource() -> MeltanoProject:
    """The Meltano project from the environment."""
    return MeltanoProject(
        project_dir=os.environ.get("MELTANO_PROJECT_DIR", os.getcwd()),
        executable=os.environ.get("MELTANO_EXECUTABLE", "meltano"),
        environment=os.environ.get("MELTANO_ENVIRONMENT", "prod"),
    )


# The resource is bound to the job itself, so the job can also be run on its own (execute_job).
@dg.job(executor_def=dg.multiprocess_executor, resource_defs={"meltano": meltano_resource()})
def sync_all_partitions() -> None:
    """Every share in one Dagster run, in processes of their own."""
    partitions_to_sync().map(sync_partition)


defs = dg.Definitions(
    assets=[instagram_accounts],
    jobs=[partitioned_job, sync_all_partitions],
    schedules=[daily_instagram_sync],
    resources={"meltano": meltano_resource()},
)
