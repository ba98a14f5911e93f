from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from assistance.parameters import ensure_parameters

    ensure_parameters(apps.get_model("core", "PolicyParameter"), apps.get_model("core", "Region"))


class Migration(migrations.Migration):
    dependencies = [("assistance", "0002_applications"), ("core", "0002_user_person")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
