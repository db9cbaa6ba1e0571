import environ

env = environ.Env()

THROWAWAY_GREETING = env.str("THROWAWAY_GREETING", default="hello from the default")

CELERY_BEAT_SCHEDULE = {
    "throwaway.tick": {"task": "throwaway.tick", "schedule": 42.0},
}
