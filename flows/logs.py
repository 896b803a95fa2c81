"""What Prefect prints about a step that failed on purpose.

A step that ends as a `Failed` state it returned (a page gone, a refused fetch) is an
expected answer, reported by Prefect's own 'Finished in state Failed(...)' line. Prefect
also logs 'Task run failed with state: ...' for it, asking for the exception's traceback
when there is none, so the terminal shows the failure twice and then 'NoneType: None'.
This filter drops that second report; a step that raised keeps its traceback.
"""

from __future__ import annotations

import logging

_TASK_RUNS = "prefect.task_runs"


class _ReturnedFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        no_exception = not record.exc_info or record.exc_info[0] is None
        message = record.getMessage()
        final = record.levelno >= logging.ERROR and " - Retry " not in message  # retries stay
        return not (no_exception and final and message.startswith("Task run failed with state"))


_FILTER = _ReturnedFailures()


def quiet_returned_failures() -> None:
    """Install the filter on Prefect's task-run logger (once per process)."""
    logger = logging.getLogger(_TASK_RUNS)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
