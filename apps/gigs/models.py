"""Models of the `gigs` context. Every table lives in the `gigs` schema:
`db_table = '"gigs"."<name>"'` (see docs/decisions/0002-one-schema-per-context.md)."""
