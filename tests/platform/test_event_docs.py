from django.core.management import call_command


def test_events_doc_is_generated_from_the_catalog():
    # Fails when someone edits the catalog without regenerating docs/events.md.
    call_command("events_docs", "--check")
