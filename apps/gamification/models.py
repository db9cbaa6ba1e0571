"""Models of the `gamification` context. Every table lives in the `gamification` schema:
`db_table = '"gamification"."<name>"'` (see docs/decisions/0002-one-schema-per-context.md)."""
