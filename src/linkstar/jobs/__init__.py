"""Background jobs: outbox relay, Dramatiq actors, embedded and distributed workers, schedules."""
