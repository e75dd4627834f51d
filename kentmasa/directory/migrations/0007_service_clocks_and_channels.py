"""Services that existed before the two clocks get theirs: the clock their completion time's wording gives
(kentmasa.deadlines.governs_forwarding: "ilgili birime ulaştırılır" times the forwarding) and the channels
their names stand for (kentmasa.directory.channel_rows.proposals_for_table: only channels one row of the
institution alone names), as the standards importer gives a new service.

Idempotent: only a service still on the default completion clock is moved to forwarding, and channels are
proposed only for an institution none of whose services has any yet, so running it again (or after an
administrator's choice) changes nothing.
"""

from django.db import migrations


def set_clocks_and_channels(apps, schema_editor):
    from kentmasa.deadlines import governs_forwarding
    from kentmasa.directory.channel_rows import proposals_for_table

    Service = apps.get_model("directory", "Service")
    services = Service.objects.order_by("institution_id", "number", "pk").only(
        "pk", "institution_id", "name", "completion_time", "clock", "channels"
    )
    by_institution: dict[int, list] = {}
    for service in services.iterator(chunk_size=500):
        by_institution.setdefault(service.institution_id, []).append(service)
    for rows in by_institution.values():
        forwarding = [
            service.pk
            for service in rows
            if service.clock == "completion" and governs_forwarding(service.completion_time)
        ]
        if forwarding:
            Service.objects.filter(pk__in=forwarding).update(clock="forwarding")
        if any(service.channels for service in rows):
            continue  # somebody chose already: leave every row of this institution as it is
        proposals, _ = proposals_for_table([service.name for service in rows])
        for service in rows:
            channels = proposals.get(service.name)
            if channels:
                Service.objects.filter(pk=service.pk).update(channels=channels)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0006_clocks_channels_team_status"),
    ]

    operations = [
        migrations.RunPython(set_clocks_and_channels, migrations.RunPython.noop),
    ]
