"""MTTx figures computed in the database: per group, the incident count and, for each of MTTD, MTTA, MTTM
and MTTR, how many incidents reached the milestone and the mean, median and 90th percentile of the time
from `started_at` to it (in seconds).

The ORM builds the incident rows (tenancy, filters, group keys, durations); one hand-written outer query
aggregates them. PostgreSQL uses `percentile_cont` (linear interpolation between the two nearest ranks);
SQLite, which has no percentile aggregate, picks the same two ranks with ROW_NUMBER/COUNT window
functions and interpolates the same way, so both databases answer the same figures. An incident that
lacks a milestone is left out of that metric only (NULLs are skipped by COUNT, AVG and the percentiles).
"""

from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Expression, F, FloatField, Func, QuerySet

from incidents.models import Incident

# metric -> (milestone field, short label, long label)
METRICS: dict[str, tuple[str, str, str]] = {
    "mttd": ("detected_at", "MTTD", "Time to detect"),
    "mtta": ("acknowledged_at", "MTTA", "Time to acknowledge"),
    "mttm": ("mitigated_at", "MTTM", "Time to mitigate"),
    "mttr": ("resolved_at", "MTTR", "Time to resolve"),
}
PERCENTILES = {"median": 0.5, "p90": 0.9}
DECIMALS = 3  # seconds rounded to the millisecond: the two databases' float arithmetic agrees to far more


class DurationSeconds(Func):
    """Seconds from `start` to `end` as a float (NULL when either is NULL)."""

    output_field = FloatField()
    arity = 2

    def _compile(self, compiler: Any) -> tuple[str, str, list]:
        (end, end_params), (start, start_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return end, start, [*end_params, *start_params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        end, start, params = self._compile(compiler)
        return f"EXTRACT(EPOCH FROM ({end} - {start}))::float8", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        # django_timestamp_diff is registered by Django's SQLite backend: exact microseconds between the two.
        end, start, params = self._compile(compiler)
        return f"(django_timestamp_diff({end}, {start}) / 1000000.0)", params

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:  # pragma: no cover
        raise NotImplementedError(f"DurationSeconds has no SQL for {connection.vendor}")


@dataclass(frozen=True)
class MetricStats:
    """One metric over a group: how many incidents reached the milestone, and mean/median/p90 seconds."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class GroupStats:
    """A group (its key values from the query), its incident count, and every metric."""

    key: tuple
    incidents: int
    metrics: dict[str, MetricStats]


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), DECIMALS)


def _outer_sql_postgresql(inner: str, groups: list[str]) -> str:
    columns = []
    for metric in METRICS:
        d = f"d_{metric}"
        columns += [f"COUNT({d})", f"AVG({d})"]
        columns += [f"percentile_cont({p}) WITHIN GROUP (ORDER BY {d})" for p in PERCENTILES.values()]
    group_by = f" GROUP BY {', '.join(groups)}" if groups else ""
    return f"SELECT {', '.join([*groups, 'COUNT(*)', *columns])} FROM ({inner}) AS incident_rows{group_by}"


def _outer_sql_sqlite(inner: str, groups: list[str]) -> str:
    partition = f"PARTITION BY {', '.join(groups)} " if groups else ""
    windows = []
    columns = []
    for metric in METRICS:
        d, i, n = f"d_{metric}", f"i_{metric}", f"n_{metric}"
        windows += [
            f"ROW_NUMBER() OVER ({partition}ORDER BY {d} IS NULL, {d}) - 1 AS {i}",
            f"COUNT({d}) OVER ({partition.strip()}) AS {n}",
        ]
        columns += [f"COUNT({d})", f"AVG({d})"]
        for p in PERCENTILES.values():
            # percentile_cont: rank position p*(n-1); interpolate between floor and floor+1.
            pos = f"({p} * ({n} - 1))"
            low = f"CAST({pos} AS INTEGER)"
            columns.append(
                f"SUM(CASE WHEN {d} IS NULL THEN NULL"
                f" WHEN {i} = {low} THEN {d} * (1 - ({pos} - {low}))"
                f" WHEN {i} = {low} + 1 THEN {d} * ({pos} - {low}) ELSE 0 END)"
            )
    ranked = f"SELECT incident_rows.*, {', '.join(windows)} FROM ({inner}) AS incident_rows"
    group_by = f" GROUP BY {', '.join(groups)}" if groups else ""
    return f"SELECT {', '.join([*groups, 'COUNT(*)', *columns])} FROM ({ranked}) AS ranked_rows{group_by}"


def grouped_stats(
    incidents: QuerySet[Incident], *, group_by: dict[str, Expression | F] | None = None, distinct: bool = False
) -> list[GroupStats]:
    """The figures of `incidents` per value of `group_by` (one row per group; one row overall without it).

    `distinct` collapses repeated (group, incident) rows, for groupings that go through a to-many join
    (an incident with two services of one team counts once for that team).
    """
    group_by = group_by or {}
    aliases = [f"g{index}" for index in range(len(group_by))]
    values: dict[str, Any] = dict(zip(aliases, group_by.values(), strict=True))
    values["incident_pk"] = F("pk")
    for metric, (field, _, _) in METRICS.items():
        values[f"d_{metric}"] = DurationSeconds(F(field), F("started_at"))
    rows = incidents.order_by().values(**values)
    if distinct:
        rows = rows.distinct()
    connection = connections[rows.db]
    inner, params = rows.query.sql_with_params()
    if connection.vendor == "postgresql":
        sql = _outer_sql_postgresql(inner, aliases)
    elif connection.vendor == "sqlite":
        sql = _outer_sql_sqlite(inner, aliases)
    else:  # pragma: no cover - the project runs on PostgreSQL or SQLite only
        raise NotImplementedError(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        result = cursor.fetchall()
    stats = []
    width = len(aliases)
    for row in result:
        metrics = {}
        for index, metric in enumerate(METRICS):
            count, mean, median, p90 = row[width + 1 + 4 * index : width + 5 + 4 * index]
            metrics[metric] = MetricStats(
                count=int(count or 0),
                mean=_round(mean) if count else None,
                median=_round(median) if count else None,
                p90=_round(p90) if count else None,
            )
        stats.append(GroupStats(key=tuple(row[:width]), incidents=int(row[width]), metrics=metrics))
    return stats
