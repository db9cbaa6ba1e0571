"""Bounded contexts: each in its own schema, related only to itself and the user model."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, models
from django.test.utils import isolate_apps

from gigsy.contexts import context_apps
from tests.architecture.boundaries import violations

# The contexts the kernel discovers (gigsy/contexts.py): a new one is checked without an edit here.
CONTEXTS = [app_config.label for app_config in context_apps()]
ROOT = Path(__file__).resolve().parents[2]


def context_models() -> list[type[models.Model]]:
    return [m for label in CONTEXTS for m in apps.get_app_config(label).get_models()]


def test_every_context_is_installed_with_its_own_app():
    assert {"accounts", "lms", "gigs", "chat", "search"} <= set(CONTEXTS)
    for label in CONTEXTS:
        assert apps.get_app_config(label).name == f"apps.{label}"


def test_context_models_respect_the_boundaries():
    assert context_models(), "no models found: the check would pass vacuously"
    assert violations(context_models()) == []


@pytest.mark.django_db
def test_every_context_schema_exists_and_holds_its_tables():
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        schemas = {row[0] for row in cursor.fetchall()}
        assert set(CONTEXTS) <= schemas
        for model in context_models():
            schema, table = (p.strip('"') for p in model._meta.db_table.split("."))
            cursor.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                "AND table_name = %s",
                [schema, table],
            )
            assert cursor.fetchone(), f"{model._meta.db_table} missing"
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_name LIKE 'accounts%%'"
        )
        assert cursor.fetchall() == []


@isolate_apps("apps.lms", "apps.gigs")
def test_the_checker_catches_each_kind_of_violation():
    class Course(models.Model):
        class Meta:
            app_label = "lms"
            db_table = '"lms"."course"'

    class PublicTable(models.Model):
        class Meta:
            app_label = "gigs"
            db_table = "gigs_gig"

    class Gig(models.Model):
        course = models.ForeignKey(Course, on_delete=models.CASCADE)
        tags = models.ManyToManyField("self")

        class Meta:
            app_label = "gigs"
            db_table = '"gigs"."gig"'

    class WrongSchema(models.Model):
        class Meta:
            app_label = "gigs"
            db_table = '"lms"."sneaky"'

    found = violations([Course, PublicTable, Gig, WrongSchema])

    assert any("gigs.publictable" in v and "not in schema" in v for v in found)
    assert any("gigs.gig.course" in v and "crosses into lms.course" in v for v in found)
    assert any("gigs.gig.tags" in v and "explicit db_table" in v for v in found)
    assert any("gigs.wrongschema" in v for v in found)
    assert not any(v.startswith("lms.course") for v in found)


def _lint_imports(cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), *extra],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(cwd)},
    )


def test_import_linter_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 7 kept, 0 broken." in result.stdout, result.stdout


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """A copy of the code and the contracts, to break on purpose."""
    copy = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "apps", copy / "apps", ignore=ignore)
    shutil.copytree(ROOT / "gigsy", copy / "gigsy", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")


@pytest.mark.parametrize(
    ("module", "line", "reported"),
    [
        # another context's internals
        (
            "apps/lms/selectors.py",
            "import apps.gigs.models",
            "apps.lms.selectors -> apps.gigs.models",
        ),
        # only public.py crosses
        (
            "apps/lms/selectors.py",
            "import apps.accounts.selectors",
            "apps.lms.selectors -> apps.accounts.selectors",
        ),
        # a read-only module importing a write module
        (
            "apps/lms/selectors.py",
            "import apps.lms.services.learning",
            "apps.lms.selectors -> apps.lms.services.learning",
        ),
        # an area using its context's services
        (
            "apps/lms/certificates/selectors.py",
            "import apps.lms.services.authoring",
            "apps.lms.certificates.selectors -> apps.lms.services.authoring",
        ),
    ],
)
def test_import_linter_catches_a_deliberate_violation(
    tree_copy: Path, module: str, line: str, reported: str
) -> None:
    _append(tree_copy / module, line)
    result = _lint_imports(tree_copy, "--no-cache")
    assert result.returncode != 0
    assert reported in result.stdout, result.stdout


def test_import_linter_catches_a_module_in_no_layer(tree_copy: Path) -> None:
    """`exhaustive = true`: a new module must be placed in a named layer."""
    (tree_copy / "apps" / "lms" / "helpers.py").write_text("X = 1\n")
    result = _lint_imports(tree_copy, "--no-cache")
    assert result.returncode != 0
    assert "apps.lms.helpers" in result.stdout, result.stdout
