"""Background and scheduled work: the Postgres job queue (procrastinate) and Slack delivery.

An adapter package: jobs call into the domain packages (``planning``, ``risk``, ``ingest``);
nothing below imports from here.
"""
