"""Kept for `celery -A hrl_api.tasks worker`: the Celery app of cluster mode lives in `hrl_api.cluster.tasks`."""

from hrl_api.cluster.tasks import celery_app, train_run

__all__ = ["celery_app", "train_run"]
