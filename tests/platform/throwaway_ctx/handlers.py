from gigsy.events import Event, handler


@handler("throwaway.pinged", name="throwaway.note_ping")
def note_ping(event: Event) -> None:
    pass


@handler("user.deleted", name="throwaway.erase_user")
def erase_user(event: Event) -> None:
    pass
