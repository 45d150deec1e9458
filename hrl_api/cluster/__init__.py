"""Cluster mode: runs queued on Redis, trained by Celery workers, reported through the message queue."""
