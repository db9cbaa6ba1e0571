"""Models of the `careers` context. Every table lives in the `careers` schema:
`db_table = '"careers"."<name>"'` (see docs/decisions/0002-one-schema-per-context.md)."""
