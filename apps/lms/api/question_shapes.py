"""A question's shapes per kind, as the schema documents them.

A question's `answer` (and a learner's `your_answer`) has one shape per kind: single, a choice
id; multiple, a list of choice ids; true_false, a boolean; short, a list of accepted answers
(the learner's own answer to a short question is one text). The serializers in
serializers.py render and validate questions whatever their kind; these variants only document
each kind (gigsy.api.schema.one_of), so a generated client narrows `answer` by `kind`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.lms.models import QuestionKind, ShortAnswerMatching

ANSWER_OF_KIND: dict[str, dict[str, Any]] = {
    QuestionKind.SINGLE: {"type": "string", "description": "the id of the right choice"},
    QuestionKind.MULTIPLE: {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,
        "description": "the ids of every right choice",
    },
    QuestionKind.TRUE_FALSE: {"type": "boolean"},
    QuestionKind.SHORT: {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,
        "description": "the accepted answers",
    },
}
# What a learner sends (and sees back as `your_answer`) for each kind.
LEARNER_ANSWER_OF_KIND: dict[str, dict[str, Any]] = {
    QuestionKind.SINGLE: {"type": "string", "description": "a choice id"},
    QuestionKind.MULTIPLE: {
        "type": "array",
        "items": {"type": "string"},
        "description": "distinct choice ids",
    },
    QuestionKind.TRUE_FALSE: {"type": "boolean"},
    QuestionKind.SHORT: {"type": "string", "maxLength": 500},
}


class ChoiceOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    text = serializers.CharField()


@extend_schema_field(ChoiceOutput(many=True))
class ChoicesField(serializers.JSONField):
    """A question's choices, rendered as stored: `[{id, text}]`."""


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}, "minItems": 1},
            {"type": "boolean"},
        ]
    }
)
class AnswerField(serializers.JSONField):
    """An answer whose shape depends on the question's kind (validated by the service)."""


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "description": "single: a choice id; short: the text (<= 500)"},
            {"type": "array", "items": {"type": "string"}, "description": "multiple: choice ids"},
            {"type": "boolean", "description": "true_false"},
        ]
    }
)
class LearnerAnswerField(serializers.JSONField):
    """A learner's answer to one question: its shape depends on the question's kind, which the
    service checks (a wrong shape is a 400 keyed by the question's id)."""


def _constant(value: str) -> serializers.CharField:
    """A field documented as the one value `value` (a variant's discriminator)."""
    documented = extend_schema_field({"type": "string", "enum": [value]})
    return documented(type("KindField", (serializers.CharField,), {}))()


def _json(schema: dict[str, Any], **kwargs: Any) -> serializers.JSONField:
    """A JSON field documented as `schema`."""
    documented = extend_schema_field(schema)
    return documented(type("ShapedJSONField", (serializers.JSONField,), {}))(**kwargs)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def _variant(name: str, base: type[serializers.Serializer[Any]], **fields: Any) -> Any:
    return type(name, (base,), {"__module__": __name__, **fields})


def _title(kind: str) -> str:
    return "".join(part.title() for part in kind.split("_"))


# --- an instructor's question input, per kind ----------------------------------------------------
class _QuestionInputBase(serializers.Serializer[Any]):
    prompt = serializers.CharField(max_length=5000)
    choices = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text="[{id, text}]: 2 or more, with distinct ids (single and multiple)",
    )
    matching = serializers.ChoiceField(
        choices=ShortAnswerMatching.choices,
        required=False,
        help_text="short: ignore_case (default: case and spacing ignored, punctuation and "
        "accents count), exact, or ignore_punctuation (case, spacing, accents and punctuation "
        "ignored)",
    )
    explanation = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    points = serializers.IntegerField(min_value=1, max_value=100, required=False)


QUESTION_INPUT_VARIANTS: dict[str, type[serializers.Serializer[Any]]] = {
    kind: _variant(
        f"{_title(kind)}QuestionInput",
        _QuestionInputBase,
        kind=_constant(kind),
        answer=_json(ANSWER_OF_KIND[kind]),
    )
    for kind in QuestionKind.values
}


# --- a question with its answer, per kind --------------------------------------------------------
class _QuestionOutputBase(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    prompt = serializers.CharField()
    choices = ChoicesField(help_text="For single and multiple choice; empty otherwise.")
    points = serializers.IntegerField()


QUESTION_REVIEW_VARIANTS: dict[str, type[serializers.Serializer[Any]]] = {
    kind: _variant(
        f"{_title(kind)}QuestionReview",
        _QuestionOutputBase,
        kind=_constant(kind),
        answer=_json(ANSWER_OF_KIND[kind]),
        explanation=serializers.CharField(),
        matching=serializers.ChoiceField(
            choices=ShortAnswerMatching.choices,
            help_text="How a short answer is compared (other kinds ignore it).",
        ),
    )
    for kind in QuestionKind.values
}

# --- a question in a learner's attempt, per kind --------------------------------------------------
ATTEMPT_QUESTION_VARIANTS: dict[str, type[serializers.Serializer[Any]]] = {
    kind: _variant(
        f"{_title(kind)}AttemptQuestion",
        _QuestionOutputBase,
        kind=_constant(kind),
        answer=_json(
            {
                **ANSWER_OF_KIND[kind],
                "description": "the right answer (once submitted, when the quiz reveals answers)",
            },
            required=False,
        ),
        explanation=serializers.CharField(
            required=False,
            help_text="Why (once submitted, when the quiz reveals answers).",
        ),
        your_answer=_json(
            _nullable(
                {
                    **LEARNER_ANSWER_OF_KIND[kind],
                    "description": "what you answered, null if nothing (once submitted)",
                }
            ),
            required=False,
        ),
        points_earned=serializers.IntegerField(
            required=False, help_text="Points this answer earned (once submitted)."
        ),
    )
    for kind in QuestionKind.values
}
