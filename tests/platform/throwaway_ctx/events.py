from gigsy.events.catalog import TEXT, EventSpec, register

register(
    EventSpec(
        type="throwaway.pinged",
        producer="throwaway",
        consumers=("throwaway",),
        description="Someone pinged the throw-away context.",
        properties={"note": TEXT},
    )
)
