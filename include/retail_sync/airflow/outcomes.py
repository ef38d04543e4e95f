"""Expected outcomes that end a task as failed: a rejected file, a blocked batch.

They are not bugs, so the task log should say why in one line a person reads first, and the
failure notifier should not send a second email for what the flow has already alerted about.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from airflow.sdk.exceptions import AirflowFailException

from retail_sync.alerts.masking import mask_text

log = logging.getLogger("retail_sync.outcome")


class AlertedFailure(AirflowFailException):
    """A failure retrying cannot change, already reported by the flow's own alert."""


def fail_alerted(reason: str) -> NoReturn:
    """Log the reason as one line, then fail the task without retries and without a second alert.

    Airflow 3.3.2 logs every AirflowFailException as "Task failed with exception" plus its traceback
    (~13 frames of task-runner internals); the line logged here comes first, so the reason is what a
    person sees on opening the log.
    """
    line = mask_text(" ".join(reason.split()))
    log.error("%s", line)
    raise AlertedFailure(line) from None
