"""Models of the `lms` context. Every table lives in the `lms` schema:
`db_table = '"lms"."<name>"'` (see docs/decisions/0002-one-schema-per-context.md)."""
