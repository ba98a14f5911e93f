from django.db import migrations


def seed(apps, schema_editor):
    from eldercare.policy import ensure_facility_parameters

    ensure_facility_parameters(apps.get_model("core", "PolicyParameter"), apps.get_model("core", "Region"))


class Migration(migrations.Migration):
    dependencies = [("eldercare", "0001_initial"), ("core", "0002_user_person")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
