"""On a fresh install the migrations run before any region exists, so the default parameters
are seeded when the divisions are loaded (core's regions_loaded signal)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command

from core.models import PolicyParameter


def test_loading_the_divisions_seeds_the_default_parameters(db: Any) -> None:
    PolicyParameter.objects.filter(code__startswith="assistance.").delete()
    PolicyParameter.objects.filter(code__startswith="eldercare.").delete()

    call_command("load_divisions", verbosity=0)

    standards = PolicyParameter.objects.filter(code="assistance.dibao_standard", region_id="31")
    assert {(str(p.effective_from), p.value) for p in standards if p.effective_from.year in (2020, 2021)} == {
        ("2020-04-01", "1240"),
        ("2021-07-01", "1330"),
    }
    assert PolicyParameter.objects.filter(code="assistance.temporary_cap_multiple").exists()
    assert PolicyParameter.objects.filter(code="eldercare.assessment_validity_years", region_id="31").exists()
    assert PolicyParameter.objects.filter(code="eldercare.meal_subsidy").exists()

    # A second load adds nothing.
    count = PolicyParameter.objects.count()
    call_command("load_divisions", verbosity=0)
    assert PolicyParameter.objects.count() == count
