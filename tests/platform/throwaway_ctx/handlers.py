from gigsy.events import Event, handler


@handler("throwaway.pinged", name="throwaway.note_ping")
def note_ping(event: Event) -> None:
    pass
