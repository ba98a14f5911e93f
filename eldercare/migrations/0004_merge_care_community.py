from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("eldercare", "0003_care"),
        ("eldercare", "0003_community_services"),
    ]

    operations: list = []
