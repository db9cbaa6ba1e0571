"""The query parameters lms views read themselves, validated (gigsy.api.inputs.parse_query)
and documented from the same serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.lms.models import Level


class CatalogQuery(serializers.Serializer[Any]):
    skill = serializers.SlugField(max_length=60, required=False, help_text="a skill slug")
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    q = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="text search in title and summary",
    )
