"""factory_boy factories shared by the tests."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

DEFAULT_PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Faker("name")
    roles = factory.LazyFunction(lambda: ["learner"])
    timezone = "UTC"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict[str, object]:
        # `role="instructor"`: shorthand for an account holding that one role.
        if "role" in kwargs:
            kwargs["roles"] = [kwargs.pop("role")]
        return kwargs

    @factory.post_generation
    def persist_password(obj, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            obj.save(update_fields=["password"])
