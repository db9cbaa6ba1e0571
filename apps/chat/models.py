"""Models of the `chat` context. Every table lives in the `chat` schema:
`db_table = '"chat"."<name>"'` (see docs/decisions/0002-one-schema-per-context.md)."""
