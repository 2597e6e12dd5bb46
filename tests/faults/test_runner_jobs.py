"""The runner's jobs are declared once: the scheduler runs exactly those, each on its own worker."""

from __future__ import annotations

from inbox.engine.leadership import Leadership
from inbox.engine.runner import JOB_WORKERS, JOBS, Runner


def _scheduled(runner: Runner) -> dict[str, float]:
    runner.start()
    try:
        return {job.id: job.trigger.interval.total_seconds() for job in runner._scheduler.get_jobs()}
    finally:
        runner.shutdown()


def test_the_scheduler_runs_the_declared_jobs_and_the_lease_only_with_a_leadership(sqlite_db) -> None:
    alone = _scheduled(Runner(sqlite_db, poll_interval=2.0, send_interval=0.5, refresh_interval=7.0))
    assert set(alone) == {job.id for job in JOBS} - {"lease"}
    assert (alone["poll"], alone["send"], alone["refresh"], alone["reconcile"]) == (2.0, 0.5, 7.0, 7.0)
    leading = _scheduled(Runner(sqlite_db, poll_interval=2.0, leadership=Leadership(sqlite_db, period=9.0)))
    assert set(leading) == {job.id for job in JOBS}
    assert leading["lease"] == 3.0  # a third of the period


def test_every_job_has_a_worker_of_its_own() -> None:
    # A job waiting for a free worker would hold up sending behind a slow refresh.
    assert len(JOBS) < JOB_WORKERS
