"""`manage.py worker`: the background worker (docs/DEPLOY.md).

It queues the minute's tick (reminders, recovery of jobs whose worker died, removal of expired results),
queues again the jobs left behind by a worker that died, then runs django-tasks-db's `db_worker`. Run
as many as there are cores to spare; they share the queue through the database.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from meetings.jobs import ensure_ticking, recover_stale_jobs


class Command(BaseCommand):
    help = "Run background jobs (PDFs, e-mail, LINE messages, reminders) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run the jobs that are due, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between looks at an empty queue (default 1).")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many tasks.")
        parser.add_argument("--reload", action="store_true", help="Restart on code changes (development).")

    def handle(self, *args, batch, interval, max_tasks, reload, verbosity, **options):
        recovered = recover_stale_jobs()
        if recovered:
            self.stdout.write(f"Queued {recovered} unfinished jobs again.")
        if not batch:
            ensure_ticking()
        worker_options = {"batch": batch, "interval": interval, "reload": reload, "startup_delay": not batch, "verbosity": verbosity}
        if max_tasks:
            worker_options["max_tasks"] = max_tasks
        call_command("db_worker", **worker_options)
