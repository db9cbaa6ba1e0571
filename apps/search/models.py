"""Models of the `search` context. Every table lives in the `search` schema:
`db_table = '"search"."<name>"'` (see docs/decisions/0002-one-schema-per-context.md)."""
