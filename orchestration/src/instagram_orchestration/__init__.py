"""A Dagster code location: the Instagram pipeline run in partitions of accounts."""
